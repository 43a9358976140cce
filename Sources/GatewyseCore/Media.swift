/// The unified media requests: what `POST /v1/images/generations`, `/v1/audio/transcriptions`,
/// `/v1/audio/translations` and `/v1/audio/speech` are normalized to. The client format is
/// OpenAI's (providers.md §1 "Other endpoints"); adapters translate from these.

/// `POST /v1/images/generations`: the validated fields, and the client's object as sent (for
/// OpenAI-format upstreams, which receive it with only `model` replaced).
public struct ImageGenerationRequest: Sendable, Equatable {
    public var model: String
    public var prompt: String
    /// Images asked for (1–10; OpenAI's default 1).
    public var n: Int
    public var size: String?
    public var quality: String?
    public var responseFormat: String?
    /// The client's body, every field in its order (`style`, `background`, `output_format`,
    /// provider extras such as Together's `steps`).
    public var fields: JSONObject

    public init(model: String, prompt: String, n: Int = 1, fields: JSONObject = JSONObject()) {
        self.model = model
        self.prompt = prompt
        self.n = n
        self.fields = fields
    }
}

/// `POST /v1/images/edits`: a multipart form (`image` or `image[]` files, an optional `mask`,
/// `prompt`, `model`…), kept as the client sent it and forwarded with `model` spliced.
public struct ImageEditRequest: Sendable, Equatable {
    public var model: String
    public var n: Int
    public var size: String?
    public var body: [UInt8]
    public var form: MultipartForm

    public init(model: String, n: Int, size: String?, body: [UInt8], form: MultipartForm) {
        self.model = model
        self.n = n
        self.size = size
        self.body = body
        self.form = form
    }

    public func upstreamBody(model upstreamModel: String) -> [UInt8] {
        upstreamModel == model ? body : form.replacingValue(of: "model", with: upstreamModel, in: body)
    }

    /// The form names a picture goes by: `image`, or `image[]` when the SDKs send several.
    public static func isImagePart(_ name: String) -> Bool { name == "image" || name == "image[]" }

    /// The pictures to edit, in the order sent.
    public var imageParts: [MultipartForm.Part] { form.parts.filter { Self.isImagePart($0.name) } }

    /// The mask's part: OpenAI's mask, whose fully transparent pixels mark where to edit.
    public var maskPart: MultipartForm.Part? { form.part(named: "mask") }

    /// A text field of the form as sent (`prompt`, `response_format`, `output_format`…).
    public func text(_ name: String) -> String? { form.text(name, in: body) }

    /// The bytes of one of the form's parts.
    public func bytes(of part: MultipartForm.Part) -> ArraySlice<UInt8> { body[part.valueRange] }
}

/// Which of the two speech-to-text routes: the spoken language, or English.
public enum TranscriptionTask: String, Sendable, Equatable {
    case transcription
    case translation

    /// The OpenAI path segment (`/audio/transcriptions`).
    public var pathSegment: String { self == .transcription ? "transcriptions" : "translations" }
}

/// The answer formats of the speech-to-text routes; the text ones are not JSON.
public enum TranscriptionFormat: String, Sendable, Equatable, CaseIterable {
    case json
    case text
    case srt
    case verboseJSON = "verbose_json"
    case vtt

    /// The content type the client is answered with.
    public var contentType: String {
        switch self {
        case .json, .verboseJSON: "application/json"
        case .text, .srt: "text/plain; charset=utf-8"
        case .vtt: "text/vtt; charset=utf-8"
        }
    }

    public var isJSON: Bool { self == .json || self == .verboseJSON }
}

/// `POST /v1/audio/transcriptions` or `/translations`: a multipart form, kept as the client sent
/// it (`body`, read in place by `form`), with the fields the gateway needs read from it.
public struct TranscriptionRequest: Sendable, Equatable {
    public var task: TranscriptionTask
    public var model: String
    public var responseFormat: TranscriptionFormat
    /// The client's multipart body; the file stays in it and is never copied out.
    public var body: [UInt8]
    public var form: MultipartForm
    /// The uploaded file's size in bytes.
    public var fileBytes: Int
    /// The audio's length when the gateway could read it from the file (a WAV header), for
    /// usage when the answer does not say (`AudioDuration`).
    public var fileDurationMilliseconds: Int?

    public init(task: TranscriptionTask, model: String, responseFormat: TranscriptionFormat, body: [UInt8], form: MultipartForm,
                fileBytes: Int, fileDurationMilliseconds: Int? = nil) {
        self.task = task
        self.model = model
        self.responseFormat = responseFormat
        self.body = body
        self.form = form
        self.fileBytes = fileBytes
        self.fileDurationMilliseconds = fileDurationMilliseconds
    }

    /// The form with `model` set to the upstream's name (every other part as sent).
    public func upstreamBody(model upstreamModel: String) -> [UInt8] {
        upstreamModel == model ? body : form.replacingValue(of: "model", with: upstreamModel, in: body)
    }

    /// The form names a picture goes by: `image`, or `image[]` when the SDKs send several.
    public static func isImagePart(_ name: String) -> Bool { name == "image" || name == "image[]" }

    /// The pictures to edit, in the order sent.
    public var imageParts: [MultipartForm.Part] { form.parts.filter { Self.isImagePart($0.name) } }

    /// The mask's part: OpenAI's mask, whose fully transparent pixels mark where to edit.
    public var maskPart: MultipartForm.Part? { form.part(named: "mask") }

    /// A text field of the form as sent (`prompt`, `response_format`, `output_format`…).
    public func text(_ name: String) -> String? { form.text(name, in: body) }

    /// The bytes of one of the form's parts.
    public func bytes(of part: MultipartForm.Part) -> ArraySlice<UInt8> { body[part.valueRange] }
}

/// The audio formats of `POST /v1/audio/speech`.
public enum SpeechFormat: String, Sendable, Equatable, CaseIterable {
    case mp3, opus, aac, flac, wav, pcm

    /// What the client's answer says it carries.
    public var contentType: String {
        switch self {
        case .mp3: "audio/mpeg"
        case .opus: "audio/opus"
        case .aac: "audio/aac"
        case .flac: "audio/flac"
        case .wav: "audio/wav"
        case .pcm: "audio/pcm"
        }
    }
}

/// `POST /v1/audio/speech`: text in, audio bytes out.
public struct SpeechRequest: Sendable, Equatable {
    public var model: String
    public var input: String
    public var format: SpeechFormat
    /// The client's body, every field in its order (`voice`, `speed`, `instructions`, …).
    public var fields: JSONObject

    public init(model: String, input: String, format: SpeechFormat = .mp3, fields: JSONObject = JSONObject()) {
        self.model = model
        self.input = input
        self.format = format
        self.fields = fields
    }

    /// Characters spoken, as TTS is billed (OpenAI counts characters of `input`).
    public var characters: Int { input.count }
}

/// What a media answer used, in the units media is billed by (the token counts of `Usage` do
/// not describe it): images made, seconds of audio heard, characters spoken, videos made and
/// their seconds.
public struct MediaUsage: Sendable, Equatable {
    public var images: Int?
    /// Audio transcribed or translated, in milliseconds, when the upstream said (verbose_json
    /// `duration`, a `usage.seconds`) or the gateway read it from the file.
    public var audioMilliseconds: Int?
    public var characters: Int?
    public var videos: Int?
    /// The videos' length in seconds, when known (the `duration` the client asked for).
    public var videoSeconds: Int?

    public init(images: Int? = nil, audioMilliseconds: Int? = nil, characters: Int? = nil, videos: Int? = nil, videoSeconds: Int? = nil) {
        self.images = images
        self.audioMilliseconds = audioMilliseconds
        self.characters = characters
        self.videos = videos
        self.videoSeconds = videoSeconds
    }
}

/// An image answer as the client receives it: the upstream's JSON (OpenAI format), with what
/// it made counted.
public struct ImageGenerationResponse: Sendable, Equatable {
    public var body: [UInt8]
    public var images: Int
    /// Token usage, which gpt-image models report.
    public var usage: Usage?

    public init(body: [UInt8], images: Int, usage: Usage? = nil) {
        self.body = body
        self.images = images
        self.usage = usage
    }
}

/// A speech-to-text answer as the client receives it: the upstream's bytes in the format asked
/// for, with the audio's length when the answer says it.
public struct TranscriptionResponse: Sendable, Equatable {
    public var body: [UInt8]
    public var format: TranscriptionFormat
    public var audioMilliseconds: Int?
    /// Token usage, which gpt-4o transcribe models report.
    public var usage: Usage?

    public init(body: [UInt8], format: TranscriptionFormat, audioMilliseconds: Int? = nil, usage: Usage? = nil) {
        self.body = body
        self.format = format
        self.audioMilliseconds = audioMilliseconds
        self.usage = usage
    }
}
