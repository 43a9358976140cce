import GatewyseCore
import GatewyseProviders

/// Audio uploads: `MultipartForm` under boundary `B`, then the transcription codec on the same
/// bytes.
///
/// Properties: every part's ranges lie inside the body and in order; splicing a new `model`
/// value gives a form that reads back with the same part names and that value.
enum MultipartFuzzing {
    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let body = Array(input)
        _ = try? OpenAIAudioWire.decodeTranscription(body, contentType: "multipart/form-data; boundary=B", task: .transcription)
        guard let form = try? MultipartForm(body: body, boundary: "B") else { return }
        var previous = 0
        for part in form.parts {
            guard part.range.lowerBound >= previous, part.valueRange.lowerBound >= part.range.lowerBound,
                  part.valueRange.upperBound == part.range.upperBound, part.range.upperBound <= body.count else {
                fatalError("a part's ranges are outside the body or out of order")
            }
            previous = part.range.upperBound
        }
        guard form.part(named: "model") != nil else { return }
        let spliced = form.replacingValue(of: "model", with: "whisper-large-v3", in: body)
        guard let reread = try? MultipartForm(body: spliced, boundary: "B"),
              reread.parts.map(\.name) == form.parts.map(\.name),
              reread.text("model", in: spliced) == "whisper-large-v3" else {
            fatalError("splicing the model changed the form")
        }
    }
}
