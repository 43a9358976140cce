import GatewyseCore

/// The Gemini mock's images and speech (providers.md §3 "Images", "TTS"), checked as the API
/// checks them, with Google's message forms:
/// - `:predict` on `imagen-*` models: `{instances:[{prompt}], parameters:{sampleCount 1–4,
///   aspectRatio, personGeneration, imageSize}}` → `{predictions:[{bytesBase64Encoded,
///   mimeType}]}`; a prompt containing "unsafe" has every image filtered, which Imagen answers
///   with `{}`. Other models have no `predict` (404, as Google answers).
/// - generateContent on `*-image*` models: image parts after a text part, the ratio from
///   `imageConfig.aspectRatio`; on `*-tts` models: only `responseModalities: ["AUDIO"]` with a
///   known prebuilt voice and text parts, answered with base64 24 kHz PCM (`audio/L16`), three
///   SSE frames when streamed; `gemini-tts-no-audio` finishes `OTHER` without audio, as the TTS
///   previews sometimes do. Any other model refuses `AUDIO` and `IMAGE` outputs.
enum MockGeminiMedia {
    typealias Rejection = MockGeminiValidator.Rejection

    /// Gemini's prebuilt voices (ai.google.dev "Speech generation").
    static let voices: Set<String> = [
        "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe", "Enceladus", "Iapetus", "Umbriel",
        "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi", "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima",
        "Achird", "Zubenelgenubi", "Vindemiatrix", "Sadachbia", "Sadaltager", "Sulafat",
    ]
    static let imagenRatios: Set<String> = ["1:1", "3:4", "4:3", "9:16", "16:9"]
    static let imageRatios: Set<String> = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
    static let modalities: Set<String> = ["TEXT", "IMAGE", "AUDIO"]
    static let pcmMimeType = "audio/L16;codec=pcm;rate=24000"

    static func isTTS(_ model: String) -> Bool { model.contains("-tts") }
    static func isImageModel(_ model: String) -> Bool { model.contains("-image") }

    // MARK: Imagen

    static func predict(model: String, body: JSONValue?) throws(Rejection) -> JSONValue {
        guard model.hasPrefix("imagen-") else {
            throw Rejection(status: 404, rpcStatus: "NOT_FOUND",
                            message: "models/\(model) is not found for API version v1beta, or is not supported for predict. Call ListModels to see the list of available models and their supported methods.")
        }
        guard let object = body?.objectValue else { throw Rejection(message: "Invalid JSON payload received. Expected an object.") }
        for key in object.keys where key != "instances" && key != "parameters" {
            throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\": Cannot find field.")
        }
        guard let instances = object["instances"]?.arrayValue, instances.count == 1,
              let prompt = instances[0]["prompt"]?.stringValue, !prompt.isEmpty else {
            throw Rejection(message: "* PredictRequest.instances[0].prompt: prompt is required and must be a non-empty string\n")
        }
        var count = 4
        if let parameters = object["parameters"] {
            guard let fields = parameters.objectValue else {
                throw Rejection(message: "Invalid JSON payload received. Unknown name \"parameters\": Proto field is not repeating, cannot start list.")
            }
            for key in fields.keys where !["sampleCount", "aspectRatio", "personGeneration", "imageSize"].contains(key) {
                throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\" at 'parameters': Cannot find field.")
            }
            if let sampleCount = fields["sampleCount"] {
                guard let n = sampleCount.intValue, (1...4).contains(n) else { throw Rejection(message: "Number of images must be in the range [1, 4].") }
                count = n
            }
            if let ratio = fields["aspectRatio"], !imagenRatios.contains(ratio.stringValue ?? "") {
                throw Rejection(message: "Aspect ratio \(JSONWriter.string(ratio)) is not supported. Supported: 1:1, 3:4, 4:3, 9:16, 16:9.")
            }
            if let person = fields["personGeneration"], !["dont_allow", "allow_adult", "allow_all"].contains(person.stringValue ?? "") {
                throw Rejection(message: "* PredictRequest.parameters.person_generation: invalid value \(JSONWriter.string(person))\n")
            }
        }
        if prompt.contains("unsafe") { return .object(JSONObject()) }
        let predictions: [JSONValue] = (0..<count).map { _ in ["bytesBase64Encoded": .string(MockMedia.pngBase64), "mimeType": "image/png"] }
        return ["predictions": .array(predictions)]
    }

    // MARK: generateContent outputs

    /// The output checks of generateContent: modalities, speech and image settings, per model.
    static func validateOutputs(model: String, body: JSONObject) throws(Rejection) {
        let config = body["generationConfig"]?.objectValue ?? JSONObject()
        var asked: [String] = []
        if let list = config["responseModalities"] {
            guard let values = list.arrayValue?.map({ $0.stringValue ?? "" }), values.allSatisfy(modalities.contains) else {
                throw Rejection(message: "Invalid value at 'generation_config.response_modalities' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), \(JSONWriter.string(list))")
            }
            asked = values
        }
        let tts = isTTS(model)
        if tts {
            guard asked == ["AUDIO"] else { throw Rejection(message: "The requested combination of response modalities is not supported by the model.") }
            guard let voice = config["speechConfig"]?["voiceConfig"]?["prebuiltVoiceConfig"]?["voiceName"]?.stringValue else {
                throw Rejection(message: "* GenerateContentRequest.generation_config.speech_config.voice_config: voice_config is required\n")
            }
            guard voices.contains(voice) else { throw Rejection(message: "Voice name \(voice) is not supported. Please use a valid voice name.") }
            let parts = (body["contents"]?.arrayValue ?? []).flatMap { $0["parts"]?.arrayValue ?? [] }
            guard parts.allSatisfy({ $0["text"] != nil }) else { throw Rejection(message: "This model only supports text input.") }
        } else if asked.contains("AUDIO") || config["speechConfig"] != nil {
            throw Rejection(message: "The requested combination of response modalities is not supported by the model.")
        }
        if asked.contains("IMAGE"), !isImageModel(model) {
            throw Rejection(message: "The requested combination of response modalities is not supported by the model.")
        }
        if isImageModel(model) { try validateImageInputs(body) }
        if let imageConfig = config["imageConfig"] {
            guard isImageModel(model) else { throw Rejection(message: "Image config is not supported for this model.") }
            for key in imageConfig.objectValue?.keys ?? [] where key != "aspectRatio" && key != "imageSize" {
                throw Rejection(message: "Invalid JSON payload received. Unknown name \"\(key)\" at 'generation_config.image_config': Cannot find field.")
            }
            if let ratio = imageConfig["aspectRatio"], !imageRatios.contains(ratio.stringValue ?? "") {
                throw Rejection(message: "* GenerateContentRequest.generation_config.image_config.aspect_ratio: unsupported aspect ratio \(JSONWriter.string(ratio))\n")
            }
        }
    }

    /// The media types an image model reads (ai.google.dev "Image understanding").
    static let imageInputTypes: Set<String> = ["image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"]

    /// An image model's input pictures (edits): a media type it reads, and base64 data whose
    /// bytes are that picture (Gemini refuses data that does not decode as the type it claims).
    static func validateImageInputs(_ body: JSONObject) throws(Rejection) {
        let parts = (body["contents"]?.arrayValue ?? []).flatMap { $0["parts"]?.arrayValue ?? [] }
        for inline in parts.compactMap({ $0["inlineData"] }) {
            let mimeType = inline["mimeType"]?.stringValue ?? ""
            guard imageInputTypes.contains(mimeType) else { throw Rejection(message: "Unsupported MIME type: \(mimeType)") }
            guard let bytes = Base64.decode(inline["data"]?.stringValue ?? ""), !bytes.isEmpty else {
                throw Rejection(message: "Invalid value at 'contents[0].parts[1].inline_data.data' (TYPE_BYTES), Base64 decoding failed")
            }
            if let sniffed = ImageFormat.sniff(bytes[...]), sniffed.mediaType != mimeType {
                throw Rejection(message: "Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
            }
        }
    }

    /// The parts an image or TTS model answers with, nil for other models (the echo scenarios).
    static func parts(model: String) -> [JSONValue]? {
        if isTTS(model) {
            if model == "gemini-tts-no-audio" { return [] }
            return pcmChunks.map { ["inlineData": ["mimeType": .string(pcmMimeType), "data": .string(Base64.encode($0))]] }
        }
        if isImageModel(model) {
            return [["text": "Here is the picture you asked for."], ["inlineData": ["mimeType": "image/png", "data": .string(MockMedia.pngBase64)]]]
        }
        return nil
    }

    /// 0.5 s of 24 kHz 16-bit mono tone (the samples of `MockMedia.wav`), in three pieces, one
    /// per stream frame.
    static let pcm: [UInt8] = Array(MockMedia.wav(milliseconds: 500).dropFirst(44))
    static var pcmChunks: [[UInt8]] {
        let size = pcm.count / 3
        return [Array(pcm[0..<size]), Array(pcm[size..<(2 * size)]), Array(pcm[(2 * size)...])]
    }

    /// Stream frames for media parts: one part per frame, the last with `finishReason` and
    /// usage; no parts → one frame finishing `OTHER` without content.
    static func frames(parts: [JSONValue], model: String) -> [JSONValue] {
        guard !parts.isEmpty else {
            return [["candidates": [["finishReason": "OTHER", "index": 0]], "usageMetadata": MockGeminiResponses.usage(thoughts: 0),
                     "modelVersion": .string(model), "responseId": .string(MockGeminiResponses.responseID)]]
        }
        return parts.enumerated().map { i, part in
            var candidate = JSONObject([("content", ["role": "model", "parts": [part]]), ("index", 0)])
            var frame = JSONObject()
            let last = i == parts.count - 1
            if last { candidate["finishReason"] = "STOP" }
            frame["candidates"] = [.object(candidate)]
            if last { frame["usageMetadata"] = MockGeminiResponses.usage(thoughts: 0) }
            frame["modelVersion"] = .string(model)
            frame["responseId"] = .string(MockGeminiResponses.responseID)
            return .object(frame)
        }
    }
}
