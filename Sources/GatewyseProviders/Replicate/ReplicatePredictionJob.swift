import GatewyseCore

/// One Replicate prediction followed to its end (providers.md §12): the create call's answer
/// (201, already `succeeded` when `Prefer: wait` was long enough), then `GET
/// /v1/predictions/{id}` while it is `starting` or `processing`, with pauses growing from a
/// quarter second to `longestPause`. `succeeded` hands the prediction to the job that owns the
/// tracker; `failed` and `canceled` are failed attempts (retryable: another provider may make
/// it). Polls and the cancel call are built from the configured base URL and the prediction's
/// id — not from the answer's `urls` — so the key only ever goes to the host the operator chose.
struct ReplicatePredictionTracker: Sendable {
    let baseURL: String
    let keyHeaders: [(String, String)]
    let providerID: String
    let secret: Secret?
    let longestPause: Double
    private(set) var id: String?
    private(set) var polls = 0
    private(set) var ended = false

    enum Outcome {
        case poll(UpstreamRequest, afterSeconds: Double)
        case succeeded(ReplicateWire.Prediction)
    }

    init(baseURL: String, keyHeaders: [(String, String)], providerID: String, secret: Secret?, longestPause: Double) {
        self.baseURL = baseURL
        self.keyHeaders = keyHeaders
        self.providerID = providerID
        self.secret = secret
        self.longestPause = longestPause
    }

    /// Reads a prediction answer (the create's or a poll's).
    mutating func read(_ body: [UInt8]) throws(UpstreamFailure) -> Outcome {
        let prediction: ReplicateWire.Prediction
        switch ReplicateWire.prediction(body) {
        case .success(let value): prediction = value
        case .failure(.notJSON(let detail)), .failure(.invalid(let detail)): throw bad(detail)
        }
        if let id, id != prediction.id { throw bad("a poll answered for another prediction") }
        id = prediction.id
        switch prediction.status {
        case .starting, .processing:
            let pause = min(0.25 * Double(1 << min(polls, 8)), longestPause)
            polls += 1
            return .poll(UpstreamRequest(method: "GET", url: baseURL + "/v1/predictions/" + prediction.id, headers: keyHeaders, body: [],
                                         expectsStream: false), afterSeconds: pause)
        case .succeeded:
            ended = true
            return .succeeded(prediction)
        case .failed, .canceled:
            ended = true
            let reason = secret.map { $0.scrub(prediction.error ?? "") } ?? (prediction.error ?? "")
            let what = prediction.status == .failed ? "failed" : "was canceled"
            throw UpstreamFailure(error: GatewayError(status: 502, code: "UPSTREAM_ERROR", type: "api_error",
                                                      message: "Provider '\(providerID)': prediction \(prediction.id) \(what)" + (reason.isEmpty ? "." : ": \(reason)")),
                                  retryable: true)
        }
    }

    /// `POST /v1/predictions/{id}/cancel` while the prediction runs.
    var cancellation: UpstreamRequest? {
        guard let id, !ended else { return nil }
        return UpstreamRequest(url: baseURL + "/v1/predictions/\(id)/cancel", headers: keyHeaders, body: [], expectsStream: false)
    }

    func bad(_ detail: String) -> UpstreamFailure {
        UpstreamFailure(error: .badUpstreamResponse(providerID, detail), retryable: true)
    }
}

/// An image generation on Replicate: the prediction, then — for `response_format: "b64_json"` —
/// each output file fetched (no key: the files are on Replicate's delivery host, which needs
/// none) and encoded; otherwise the output URLs are the answer's `url`s.
struct ReplicateImageJob: UpstreamJob {
    var tracker: ReplicatePredictionTracker
    let wantsBase64: Bool
    let created: Int64
    /// The output URLs still to fetch and the images already encoded (`b64_json` only).
    var pending: [String] = []
    var encoded: [String] = []

    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<ImageGenerationResponse> {
        if tracker.ended {
            // A file fetched for b64_json.
            guard !body.isEmpty else { throw tracker.bad("an empty output file") }
            encoded.append(Base64.encode(body))
            return try fetchNext()
        }
        switch try tracker.read(body) {
        case .poll(let request, let pause):
            return .send(request, afterSeconds: pause)
        case .succeeded(let prediction):
            let urls = ReplicateWire.outputURLs(prediction.output)
            guard !urls.isEmpty else { throw tracker.bad("a succeeded prediction without output files") }
            guard wantsBase64 else { return .finished(answer(urls.map { ["url": .string($0)] })) }
            for url in urls {
                if let payload = ReplicateWire.dataURIPayload(url) {
                    encoded.append(payload)
                } else if url.hasPrefix("https://") || url.hasPrefix("http://") {
                    pending.append(url)
                } else {
                    throw tracker.bad("an output that is neither a URL nor a data URI")
                }
            }
            return try fetchNext()
        }
    }

    mutating func fetchNext() throws(UpstreamFailure) -> UpstreamJobStep<ImageGenerationResponse> {
        guard !pending.isEmpty else { return .finished(answer(encoded.map { ["b64_json": .string($0)] })) }
        let url = pending.removeFirst()
        return .send(UpstreamRequest(method: "GET", url: url, headers: [("accept", "image/*")], body: [], expectsStream: false), afterSeconds: 0)
    }

    func answer(_ data: [JSONValue]) -> ImageGenerationResponse {
        ImageGenerationResponse(body: JSONWriter.bytes(["created": .number(String(created)), "data": .array(data)]), images: data.count)
    }

    var cancellation: UpstreamRequest? { tracker.cancellation }
}

/// A video generation on Replicate: the prediction, whose output file URL(s) are the answer.
/// Each video's length is the `duration` the client asked for when it asked (a prediction does
/// not report its output's length).
struct ReplicateVideoJob: UpstreamJob {
    var tracker: ReplicatePredictionTracker
    let duration: Int?

    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<VideoGenerationResponse> {
        switch try tracker.read(body) {
        case .poll(let request, let pause):
            return .send(request, afterSeconds: pause)
        case .succeeded(let prediction):
            let urls = ReplicateWire.outputURLs(prediction.output)
            guard !urls.isEmpty else { throw tracker.bad("a succeeded prediction without an output video") }
            return .finished(VideoGenerationResponse(videos: urls.map { GeneratedVideo(url: $0, durationSeconds: duration) }))
        }
    }

    var cancellation: UpstreamRequest? { tracker.cancellation }
}
