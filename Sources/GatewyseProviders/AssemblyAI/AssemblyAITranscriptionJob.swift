import GatewyseCore

/// One AssemblyAI transcription as a state machine (providers.md §18): upload answered →
/// create the transcript → poll while `queued` / `processing` → `completed` (answered, or its
/// `srt` / `vtt` export fetched first) or `error` (a failed attempt). Polls back off from a
/// quarter second to AssemblyAI's suggested 3 s, so short clips answer quickly and long ones
/// cost few calls; the engine stops the job at the request's deadline.
struct AssemblyAITranscriptionJob: UpstreamJob {
    enum Phase {
        case uploading
        case transcribing(polls: Int)
        case exporting(audioMilliseconds: Int?)
    }

    let format: TranscriptionFormat
    let language: String?
    let wantsWords: Bool
    let model: String
    let baseURL: String
    let keyHeaders: [(String, String)]
    let providerID: String
    let secret: Secret?
    var phase = Phase.uploading

    static let longestPause = 3.0

    init(request: TranscriptionRequest, model: String, baseURL: String, keyHeaders: [(String, String)], providerID: String, secret: Secret?) {
        format = request.responseFormat
        language = request.form.text("language", in: request.body).flatMap { $0.isEmpty ? nil : $0 }
        wantsWords = request.form.parts(named: "timestamp_granularities[]").contains { String(decoding: request.body[$0.valueRange], as: UTF8.self) == "word" }
        self.model = model
        self.baseURL = baseURL
        self.keyHeaders = keyHeaders
        self.providerID = providerID
        self.secret = secret
    }

    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<TranscriptionResponse> {
        switch phase {
        case .uploading:
            let json = try parse(body)
            guard let uploadURL = json["upload_url"]?.stringValue, !uploadURL.isEmpty else { throw bad("an upload answer without 'upload_url'") }
            phase = .transcribing(polls: 0)
            return .send(UpstreamRequest(url: baseURL + "/v2/transcript", headers: [("content-type", "application/json")] + keyHeaders,
                                         body: JSONWriter.bytes(createBody(audioURL: uploadURL)), expectsStream: false), afterSeconds: 0)
        case .transcribing(let polls):
            let transcript = try parse(body)
            guard let id = transcript["id"]?.stringValue, !id.isEmpty, id.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") }) else {
                throw bad("a transcript without a valid 'id'")
            }
            switch transcript["status"]?.stringValue {
            case "queued"?, "processing"?:
                phase = .transcribing(polls: polls + 1)
                let pause = min(0.25 * Double(1 << min(polls, 4)), Self.longestPause)
                return .send(get("/v2/transcript/" + id), afterSeconds: pause)
            case "completed"?:
                let milliseconds = Self.milliseconds(transcript["audio_duration"])
                switch format {
                case .srt, .vtt:
                    phase = .exporting(audioMilliseconds: milliseconds)
                    return .send(get("/v2/transcript/\(id)/\(format.rawValue)"), afterSeconds: 0)
                case .json, .text, .verboseJSON:
                    return .finished(try answer(transcript, milliseconds: milliseconds))
                }
            case "error"?:
                let reason = secret.map { $0.scrub(transcript["error"]?.stringValue ?? "") } ?? (transcript["error"]?.stringValue ?? "")
                throw UpstreamFailure(error: GatewayError(status: 502, code: "UPSTREAM_ERROR", type: "api_error",
                                                          message: "Provider '\(providerID)' could not transcribe the audio: \(reason)"),
                                      retryable: true)
            default:
                throw bad("a transcript with an unknown 'status'")
            }
        case .exporting(let milliseconds):
            return .finished(TranscriptionResponse(body: body, format: format, audioMilliseconds: milliseconds))
        }
    }

    /// `{audio_url, speech_models: [model], language_code | language_detection}`: the client's
    /// `language` (ISO-639-1, which AssemblyAI takes as is), else detection. OpenAI's `prompt`
    /// and `temperature` have no AssemblyAI counterpart and are not sent.
    func createBody(audioURL: String) -> JSONValue {
        var body = JSONObject([("audio_url", .string(audioURL)), ("speech_models", [.string(model)])])
        if let language { body["language_code"] = .string(language) } else { body["language_detection"] = true }
        return .object(body)
    }

    func get(_ path: String) -> UpstreamRequest {
        UpstreamRequest(method: "GET", url: baseURL + path, headers: keyHeaders, body: [], expectsStream: false)
    }

    /// A completed transcript in OpenAI's `json`, `text` or `verbose_json` (words from
    /// AssemblyAI's, in seconds; segments its sentences, cut at the words that end one).
    func answer(_ transcript: JSONValue, milliseconds: Int?) throws(UpstreamFailure) -> TranscriptionResponse {
        guard let text = transcript["text"]?.stringValue else { throw bad("a completed transcript without 'text'") }
        let body: [UInt8]
        switch format {
        case .text: body = Array((text + "\n").utf8)
        case .verboseJSON: body = JSONWriter.bytes(verbose(transcript, text: text, milliseconds: milliseconds))
        default: body = JSONWriter.bytes(["text": .string(text)])
        }
        return TranscriptionResponse(body: body, format: format, audioMilliseconds: milliseconds)
    }

    func verbose(_ transcript: JSONValue, text: String, milliseconds: Int?) -> JSONValue {
        let words: [(text: String, start: Double, end: Double)] = (transcript["words"]?.arrayValue ?? []).compactMap { word in
            guard let text = word["text"]?.stringValue, let start = word["start"]?.doubleValue, let end = word["end"]?.doubleValue else { return nil }
            return (text, start / 1000, end / 1000)
        }
        var segments: [JSONValue] = []
        var current: [(text: String, start: Double, end: Double)] = []
        func close() {
            guard let first = current.first, let last = current.last else { return }
            segments.append(["id": .int(segments.count), "seek": 0, "start": .double(first.start), "end": .double(last.end),
                             "text": .string(" " + current.map(\.text).joined(separator: " ")), "tokens": [], "temperature": 0.0])
            current = []
        }
        for word in words {
            current.append(word)
            if let mark = word.text.last, mark == "." || mark == "?" || mark == "!" { close() }
        }
        close()
        var object = JSONObject([("task", "transcribe"), ("language", .string(transcript["language_code"]?.stringValue ?? language ?? "")),
                                 ("duration", .double(Double(milliseconds ?? 0) / 1000)), ("text", .string(text)), ("segments", .array(segments))])
        if wantsWords {
            object["words"] = .array(words.map { ["word": .string($0.text), "start": .double($0.start), "end": .double($0.end)] })
        }
        return .object(object)
    }

    static func milliseconds(_ seconds: JSONValue?) -> Int? {
        guard let value = seconds?.doubleValue, value.isFinite, value >= 0 else { return nil }
        return Int(min(value, 1e9) * 1000)
    }

    func parse(_ body: [UInt8]) throws(UpstreamFailure) -> JSONValue {
        do { return try UpstreamJSON.parse(body, provider: providerID) } catch { throw UpstreamFailure(error: error, retryable: true) }
    }

    func bad(_ detail: String) -> UpstreamFailure {
        UpstreamFailure(error: .badUpstreamResponse(providerID, detail), retryable: true)
    }
}
