import GatewyseCore
import GatewyseProviders
import GatewyseTesting
import Testing

/// What each provider answers on its media routes, in the shapes its documentation gives
/// (providers.md per section), and how the adapter maps them back to OpenAI's shape: images as
/// `data[].b64_json` or `data[].url`, transcriptions as `{text}`, speech as audio in the asked
/// format, videos as `data[].url`. Multi-step providers are followed through their job with
/// documented answers, from the first call's answer on.
enum MediaConformanceAnswers {
    /// A 1×1 PNG, as base64 and as bytes.
    static let pngBase64 = Base64.encode(MockStabilityUpstream.png)

    /// The provider's error body on its media routes (its documented error shape).
    static func errorBody(_ provider: String, status: Int, message: String) -> [UInt8] {
        let json: JSONValue = switch provider {
        case "mistral": ["object": "error", "message": .string(message), "type": "invalid_request_error", "param": .null, "code": .null]
        case "gemini": ["error": ["code": .int(status), "message": .string(message), "status": "INVALID_ARGUMENT"]]
        case "elevenlabs": ["detail": ["status": "invalid_request", "message": .string(message)]]
        case "stability": ["id": "e-1", "name": "bad_request", "errors": [.string(message)]]
        case "assemblyai": ["error": .string(message)]
        case "replicate": ["title": "Invalid request", "detail": .string(message), "status": .int(status)]
        case "comfyui": ["error": ["type": "invalid_prompt", "message": .string(message), "details": "", "extra_info": [:]], "node_errors": [:]]
        default: ["error": ["message": .string(message), "type": "invalid_request_error", "param": .null, "code": .null]]
        }
        return JSONWriter.bytes(json)
    }

    /// Drives a job with the answers given, in turn, and returns its value; each answer but the
    /// last must lead to another call.
    /// Replicate answers its create call with 201 Created; the others with 200.
    static func follow<Value>(_ job: inout any UpstreamJob<Value>, _ answers: [[UInt8]], firstStatus: Int = 200) throws -> Value? {
        for (index, answer) in answers.enumerated() {
            switch try job.next(status: index == 0 ? firstStatus : 200, headers: [], body: answer) {
            case .send: continue
            case .finished(let value): return index == answers.count - 1 ? value : nil
            }
        }
        return nil
    }

    /// The OpenAI image answer, or nil (with an issue) when the provider's answer did not map.
    static func image(_ item: MediaCase, _ adapter: any ProviderAdapter, _ request: ImageGenerationRequest) throws -> JSONValue? {
        if var job = adapter.makeImageJob(for: request, upstreamModel: item.model) {
            let answers: [[UInt8]] = switch item.provider {
            case "replicate":
                [Array(#"{"id":"p1","status":"processing","output":null,"error":null}"#.utf8),
                 Array(#"{"id":"p1","status":"succeeded","output":["https://replicate.delivery/p1/out-0.webp"],"error":null}"#.utf8)]
            case "comfyui":
                [Array(#"{"prompt_id":"5d1c0f3e-c0f1-4e11-9a7d-000000000001","number":1,"node_errors":{}}"#.utf8),
                 Array(#"{"5d1c0f3e-c0f1-4e11-9a7d-000000000001":{"outputs":{"9":{"images":[{"filename":"g_00001_.png","subfolder":"","type":"output"}]}},"status":{"status_str":"success","completed":true}}}"#.utf8),
                 MockStabilityUpstream.png]
            default: []
            }
            return try follow(&job, answers, firstStatus: item.provider == "replicate" ? 201 : 200).map { try JSONParser.parse($0.body) }
        }
        let body: String = switch (item.provider, item.model) {
        case ("gemini", let model) where model.hasPrefix("imagen-"): #"{"predictions":[{"bytesBase64Encoded":"\#(pngBase64)","mimeType":"image/png"}]}"#
        case ("gemini", _): #"{"candidates":[{"content":{"role":"model","parts":[{"inlineData":{"mimeType":"image/png","data":"\#(pngBase64)"}}]},"finishReason":"STOP"}]}"#
        case ("fireworks", _): #"{"id":"f1","base64":"\#(pngBase64)","finishReason":"SUCCESS","seed":1}"#
        case ("stability", _): #"{"image":"\#(pngBase64)","finish_reason":"SUCCESS","seed":7}"#
        default: #"{"created":1700000000,"data":[{"b64_json":"\#(pngBase64)","revised_prompt":"a red square"}]}"#
        }
        return try JSONParser.parse(adapter.parseImageResponse(status: 200, headers: [], body: Array(body.utf8)).body)
    }

    /// The OpenAI transcription answer (`response_format: json`).
    static func transcription(_ item: MediaCase, _ adapter: any ProviderAdapter, _ request: TranscriptionRequest) throws -> JSONValue? {
        if item.provider == "replicate", var job = adapter.makeTranscriptionJob(for: request, upstreamModel: item.model) {
            // openai/whisper's output object (replicate.com/openai/whisper, API schema).
            let answers = [Array(#"{"id":"w1","status":"processing","output":null,"error":null}"#.utf8),
                           Array(#"{"id":"w1","status":"succeeded","output":{"transcription":" Hello there.","detected_language":"english","translation":null,"segments":[{"id":0,"start":0.0,"end":0.9,"text":" Hello there."}]},"error":null}"#.utf8)]
            return try follow(&job, answers, firstStatus: 201).map { try JSONParser.parse($0.body) }
        }
        if var job = adapter.makeTranscriptionJob(for: request, upstreamModel: item.model) {
            let answers = [Array(#"{"upload_url":"https://cdn.assemblyai.com/upload/u1"}"#.utf8),
                           Array(#"{"id":"t1","status":"queued","text":null,"error":null}"#.utf8),
                           Array(#"{"id":"t1","status":"completed","text":"Hello there.","audio_duration":1,"language_code":"en","words":[{"text":"Hello","start":0,"end":400,"confidence":0.9},{"text":"there.","start":400,"end":900,"confidence":0.9}],"error":null}"#.utf8)]
            return try follow(&job, answers).map { try JSONParser.parse($0.body) }
        }
        let body = switch item.provider {
        // ElevenLabs' transcript (elevenlabs.io "Create transcript"): words and the spaces between them.
        case "elevenlabs": #"{"language_code":"eng","language_probability":0.98,"text":"Hello there.","words":[{"text":"Hello","start":0.0,"end":0.4,"type":"word"},{"text":" ","start":0.4,"end":0.45,"type":"spacing"},{"text":"there.","start":0.45,"end":0.9,"type":"word"}]}"#
        default: #"{"text":"Hello there."}"#
        }
        return try JSONParser.parse(adapter.parseTranscriptionResponse(status: 200, headers: [], body: Array(body.utf8), for: request).body)
    }

    /// The audio the client gets for a `wav` request when the provider's answer is not the audio
    /// itself (Gemini's events of base64 PCM); nil when the upstream's bytes are relayed as they
    /// are, so the upstream request must ask for the format (checked by the case).
    static func speech(_ item: MediaCase, _ adapter: any ProviderAdapter, _ request: SpeechRequest) throws -> [UInt8]? {
        guard var decoder = adapter.makeSpeechDecoder(for: request, upstreamModel: item.model) else { return nil }
        let pcm: [UInt8] = [1, 0, 2, 0, 3, 0, 4, 0]
        let event = #"data: {"candidates":[{"content":{"role":"model","parts":[{"inlineData":{"mimeType":"audio/L16;codec=pcm;rate=24000","data":"\#(Base64.encode(pcm))"}}]},"finishReason":"STOP","index":0}]}"# + "\r\n\r\n"
        return try decoder.decode(Array(event.utf8)) + decoder.finish()
    }

    /// A short real WAV, as a speech model's output file.
    static let wav: [UInt8] = MediaConformanceTests.wav

    /// The audio a speech job ends with (Replicate's predictions: the output file fetched), or
    /// nil when the provider's speech is not a job.
    static func speechJob(_ item: MediaCase, _ adapter: any ProviderAdapter, _ request: SpeechRequest) throws -> [UInt8]? {
        guard var job = adapter.makeSpeechJob(for: request, upstreamModel: item.model) else { return nil }
        return try follow(&job, [Array(#"{"id":"s1","status":"starting","output":null,"error":null}"#.utf8),
                                 Array(#"{"id":"s1","status":"succeeded","output":"https://replicate.delivery/s1/out.wav","error":null}"#.utf8),
                                 wav], firstStatus: 201)
    }

    /// The OpenAI video answer, followed through the prediction.
    static func video(_ item: MediaCase, _ adapter: any ProviderAdapter, _ request: VideoGenerationRequest) throws -> VideoGenerationResponse? {
        var job = adapter.makeVideoJob(for: request, upstreamModel: item.model)
        return try follow(&job, [Array(#"{"id":"v1","status":"starting","output":null,"error":null}"#.utf8),
                                 Array(#"{"id":"v1","status":"succeeded","output":"https://replicate.delivery/v1/out.mp4","error":null}"#.utf8)],
                          firstStatus: 201)
    }
}
