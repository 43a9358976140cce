import GatewyseCore

/// One ComfyUI prompt followed to its images (providers.md §26): the submit answer names the
/// prompt; `GET /history/{id}` is polled — `{}` while it waits or runs — with pauses growing
/// from a quarter second to two; once it is there, each saved image is fetched with
/// `GET /view` and encoded as `b64_json`. A prompt that ended in an execution error or was
/// interrupted is a failed attempt (retryable: another provider may make the image). Every
/// call goes to the configured base URL, with the provider's headers.
struct ComfyUIPromptJob: UpstreamJob {
    let baseURL: String
    let headers: [(String, String)]
    let providerID: String
    let created: Int64
    static let longestPause = 2.0

    private(set) var promptID: String?
    private(set) var polls = 0
    /// Set once the history holds the prompt: nothing is left to cancel.
    private(set) var ended = false
    var pending: [ComfyUIWire.SavedImage] = []
    var encoded: [String] = []

    init(baseURL: String, headers: [(String, String)], providerID: String, created: Int64) {
        self.baseURL = baseURL
        self.headers = headers
        self.providerID = providerID
        self.created = created
    }

    mutating func next(status: Int, headers: [(String, String)], body: [UInt8]) throws(UpstreamFailure) -> UpstreamJobStep<ImageGenerationResponse> {
        guard let promptID else {
            switch ComfyUIWire.promptID(body) {
            case .success(let id): self.promptID = id
            case .failure(let problem): throw bad(problem.detail)
            }
            return poll()
        }
        if ended {
            // An image fetched from /view.
            guard !body.isEmpty else { throw bad("an empty image from /view") }
            encoded.append(Base64.encode(body))
            return fetchNext()
        }
        switch ComfyUIWire.history(body, promptID: promptID) {
        case .failure(let problem):
            throw bad(problem.detail)
        case .success(.pending):
            return poll()
        case .success(.failed(let reason)):
            ended = true
            throw UpstreamFailure(error: GatewayError(status: 502, code: "UPSTREAM_ERROR", type: "api_error",
                                                      message: "Provider '\(providerID)': prompt \(promptID) failed: \(reason)"),
                                  retryable: true)
        case .success(.succeeded(let images)):
            ended = true
            guard !images.isEmpty else { throw bad("the workflow saved no images (it needs a SaveImage node)") }
            pending = images
            return fetchNext()
        }
    }

    mutating func poll() -> UpstreamJobStep<ImageGenerationResponse> {
        let pause = min(0.25 * Double(1 << min(polls, 8)), Self.longestPause)
        polls += 1
        return .send(UpstreamRequest(method: "GET", url: baseURL + "/history/" + (promptID ?? ""), headers: headers, body: [],
                                     expectsStream: false), afterSeconds: pause)
    }

    mutating func fetchNext() -> UpstreamJobStep<ImageGenerationResponse> {
        guard !pending.isEmpty else {
            let data = encoded.map { JSONValue.object(JSONObject([("b64_json", .string($0))])) }
            return .finished(ImageGenerationResponse(body: JSONWriter.bytes(["created": .number(String(created)), "data": .array(data)]),
                                                     images: data.count))
        }
        let image = pending.removeFirst()
        return .send(UpstreamRequest(method: "GET", url: baseURL + ComfyUIWire.viewPath(image), headers: [("accept", "image/*")] + headers,
                                     body: [], expectsStream: false), afterSeconds: 0)
    }

    /// While the prompt may still wait or run: drop it from the queue, then interrupt it.
    var cancellations: [UpstreamRequest] {
        guard let promptID, !ended else { return [] }
        return ComfyUIWire.cancelPaths(promptID: promptID).map { call in
            UpstreamRequest(url: baseURL + call.path, headers: [("content-type", "application/json")] + headers,
                            body: JSONWriter.bytes(call.body), expectsStream: false)
        }
    }

    func bad(_ detail: String) -> UpstreamFailure {
        UpstreamFailure(error: .badUpstreamResponse(providerID, detail), retryable: true)
    }
}
