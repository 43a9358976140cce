/// `POST /v1/video/generations` (product-spec §2.10): the validated fields, and the client's
/// object as sent (fields the gateway does not model, such as a provider's `negative_prompt`,
/// pass on to the upstream).
public struct VideoGenerationRequest: Sendable, Equatable {
    public var model: String
    public var prompt: String
    /// Videos asked for (1–4; default 1).
    public var n: Int
    /// Seconds (1–60), when the client chose.
    public var duration: Int?
    /// `16:9`, `9:16` or `1:1`.
    public var aspectRatio: String?
    /// `1080p` or `720p`.
    public var resolution: String?
    /// Frames per second (1–120).
    public var fps: Int?
    public var fields: JSONObject

    public init(model: String, prompt: String, n: Int = 1, duration: Int? = nil, aspectRatio: String? = nil, resolution: String? = nil,
                fps: Int? = nil, fields: JSONObject = JSONObject()) {
        self.model = model
        self.prompt = prompt
        self.n = n
        self.duration = duration
        self.aspectRatio = aspectRatio
        self.resolution = resolution
        self.fps = fps
        self.fields = fields
    }
}

/// One video an upstream made: where to fetch it (upstream URLs expire: Replicate's after an
/// hour) and its length when known.
public struct GeneratedVideo: Sendable, Equatable {
    public var url: String
    public var durationSeconds: Int?

    public init(url: String, durationSeconds: Int? = nil) {
        self.url = url
        self.durationSeconds = durationSeconds
    }
}

/// A finished video generation, before it is written in the client's shape.
public struct VideoGenerationResponse: Sendable, Equatable {
    public var videos: [GeneratedVideo]
    public var revisedPrompt: String?

    public init(videos: [GeneratedVideo], revisedPrompt: String? = nil) {
        self.videos = videos
        self.revisedPrompt = revisedPrompt
    }
}
