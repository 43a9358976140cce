import GatewyseCore

/// The gateway's video generation format (product-spec §2.10): the client format of
/// `POST /v1/video/generations` — `{model, prompt, n, duration, aspect_ratio, resolution, fps}`
/// → `{created, data: [{url, duration, revised_prompt}]}` — and of the job a generation becomes
/// when it outlives the request (`GET /v1/video/generations/{id}`): the same fields with `id`,
/// `object: "video.generation"`, `status` (`in_progress`, `completed`, `failed`) and `model`.
public enum VideoGenerationsWire {
    /// Product-spec §2.10: a prompt of 1–10,000 characters, 1–4 videos, 1–60 seconds, 1–120 fps.
    public static let maximumPromptCharacters = 10_000
    public static let maximumVideos = 4
    static let aspectRatios: Set<String> = ["16:9", "9:16", "1:1"]
    static let resolutions: Set<String> = ["1080p", "720p"]
    /// Product-spec §2.10: "Request limit 1 MB".
    public static let maximumBodyBytes = 1024 * 1024

    /// Validates a client body; errors name the field. Other fields (a model's own inputs) pass
    /// on untouched (`fields`).
    public static func decodeRequest(_ body: JSONValue) throws(GatewayError) -> VideoGenerationRequest {
        let reader = try JSONFieldReader(body: body)
        let model = try reader.requiredString("model")
        guard !model.isEmpty else { throw reader.invalid("model", "must not be empty.") }
        let prompt = try OpenAIImagesWire.requiredPrompt(reader, maximumCharacters: maximumPromptCharacters)
        return VideoGenerationRequest(model: model, prompt: prompt, n: try reader.int("n", in: 1...maximumVideos) ?? 1,
                                      duration: try reader.int("duration", in: 1...60),
                                      aspectRatio: try OpenAIImagesWire.oneOf(aspectRatios, "aspect_ratio", reader),
                                      resolution: try OpenAIImagesWire.oneOf(resolutions, "resolution", reader),
                                      fps: try reader.int("fps", in: 1...120), fields: reader.object)
    }

    /// `data`: each video's `url`, `duration` (null when unknown) and `revised_prompt`.
    static func data(_ response: VideoGenerationResponse) -> JSONValue {
        .array(response.videos.map { video in
            ["url": .string(video.url), "duration": video.durationSeconds.map(JSONValue.int) ?? .null,
             "revised_prompt": response.revisedPrompt.map(JSONValue.string) ?? .null]
        })
    }

    /// A finished generation answered at once.
    public static func encodeResponse(_ response: VideoGenerationResponse, created: Int64) -> [UInt8] {
        JSONWriter.bytes(["created": .number(String(created)), "data": data(response)])
    }

    /// Where a job stands.
    public enum JobStatus: Sendable, Equatable {
        case inProgress
        case completed(VideoGenerationResponse)
        case failed(GatewayError)
    }

    /// A job as `POST` (202) and `GET /v1/video/generations/{id}` answer it.
    public static func encodeJob(id: String, model: String, created: Int64, status: JobStatus) -> [UInt8] {
        var object = JSONObject([("id", .string(id)), ("object", "video.generation"), ("created", .number(String(created))),
                                 ("model", .string(model))])
        switch status {
        case .inProgress:
            object["status"] = "in_progress"
        case .completed(let response):
            object["status"] = "completed"
            object["data"] = data(response)
        case .failed(let error):
            object["status"] = "failed"
            object["error"] = ["code": .string(error.code), "message": .string(error.message)]
        }
        return JSONWriter.bytes(.object(object))
    }
}
