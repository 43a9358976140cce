import GatewyseCore

/// Speech on Replicate: the prediction, then its output file fetched (no key: the files are on
/// Replicate's delivery host, and the route executor judges the address as for images) — or a
/// `data:` URI decoded — and checked to be the format asked for, since a model that ignored
/// `audio_format` would otherwise hand the client bytes its `Content-Type` misnames.
struct ReplicateSpeechJob: UpstreamJob {
    var tracker: ReplicatePredictionTracker
    let format: SpeechFormat

    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<[UInt8]> {
        if tracker.ended { return .finished(try checked(body)) }
        switch try tracker.read(body) {
        case .poll(let request, let pause):
            return .send(request, afterSeconds: pause)
        case .succeeded(let prediction):
            guard let url = ReplicateWire.outputURLs(prediction.output).first else { throw tracker.bad("a succeeded prediction without an audio file") }
            if let payload = ReplicateWire.dataURIPayload(url) {
                guard let audio = Base64.decode(payload) else { throw tracker.bad("an audio data URI that is not base64") }
                return .finished(try checked(audio))
            }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else { throw tracker.bad("an output that is neither a URL nor a data URI") }
            return .send(UpstreamRequest(method: "GET", url: url, headers: [("accept", "audio/*")], body: [], expectsStream: false), afterSeconds: 0)
        }
    }

    func checked(_ audio: [UInt8]) throws(UpstreamFailure) -> [UInt8] {
        guard ReplicateWire.audio(audio, isFormat: format) else { throw tracker.bad("an output file that is not \(format.rawValue) audio") }
        return audio
    }

    var cancellation: UpstreamRequest? { tracker.cancellation }
}

/// A transcription or translation on Replicate: the prediction, whose output object is mapped
/// to the OpenAI format asked for (`ReplicateWire.transcriptionAnswer`).
struct ReplicateTranscriptionJob: UpstreamJob {
    var tracker: ReplicatePredictionTracker
    let model: ReplicateWire.WhisperModel
    let request: TranscriptionRequest

    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<TranscriptionResponse> {
        switch try tracker.read(body) {
        case .poll(let request, let pause):
            return .send(request, afterSeconds: pause)
        case .succeeded(let prediction):
            switch ReplicateWire.transcriptionAnswer(prediction.output, model: model, request: request) {
            case .success(let answer): return .finished(answer)
            case .failure(.invalid(let detail)), .failure(.notJSON(let detail)): throw tracker.bad(detail)
            }
        }
    }

    var cancellation: UpstreamRequest? { tracker.cancellation }
}
