import GatewyseCore
import GatewyseProviders

/// Each endpoint's client wire format at the engine's edge: the body bytes in, unified request
/// out (ARCHITECTURE §4 step 3, "decode + validate"), and unified answers back to the client's
/// JSON. Pure functions; the engine calls them, the transports never do.
extension InferenceEndpoint {
    /// Parses and validates the body: 400 when empty, 400 naming the byte when malformed, 400
    /// naming the field when invalid. A chat completions body keeps its bytes (`clientBody`) so
    /// an OpenAI-format upstream can receive it as sent, if the fast path stays allowed.
    func decode(_ bytes: [UInt8], contentType: String? = nil) throws(GatewayError) -> InferenceRequest {
        guard !bytes.isEmpty else { throw GatewayError.invalidRequest("Request body is empty; send a JSON object.") }
        // Audio uploads are multipart forms, read in place (the file is never parsed or copied).
        if self == .audioTranscriptions || self == .audioTranslations {
            return .transcription(try OpenAIAudioWire.decodeTranscription(bytes, contentType: contentType,
                                                                          task: self == .audioTranscriptions ? .transcription : .translation))
        }
        if self == .imageEdits { return .imageEdit(try OpenAIImagesWire.decodeEdit(bytes, contentType: contentType)) }
        let located = self == .chatCompletions ? "model" : nil
        let (json, modelRange): (JSONValue, Range<Int>?)
        do {
            (json, modelRange) = try bytes.withUnsafeBufferPointer { buffer throws(JSONParser.SyntaxError) in
                try JSONParser.parse(buffer: buffer, locatingTopLevel: located)
            }
        } catch {
            throw GatewayError.malformedJSON(error.description)
        }
        switch self {
        case .chatCompletions:
            var chat = try OpenAIChatWire.decodeRequest(json)
            chat.clientBody = OpenAIChatWire.clientBody(json, bytes: bytes, modelRange: modelRange)
            return .chat(chat)
        case .messages:
            return .chat(try AnthropicInboundWire.decodeRequest(json))
        case .completions:
            return .chat(try LegacyCompletionsWire.decodeRequest(json))
        case .embeddings:
            return .embeddings(try OpenAIEmbeddingsWire.decodeRequest(json))
        case .rerank:
            return .rerank(try RerankWire.decodeRequest(json))
        case .imageGenerations:
            return .image(try OpenAIImagesWire.decodeRequest(json))
        case .audioSpeech:
            return .speech(try OpenAIAudioWire.decodeSpeech(json))
        case .videoGenerations:
            return .video(try VideoGenerationsWire.decodeRequest(json))
        case .audioTranscriptions, .audioTranslations, .imageEdits:
            preconditionFailure("decoded as multipart above")
        }
    }

    /// A complete chat answer in the endpoint's shape.
    func encodeChat(_ response: ChatResponse) -> [UInt8] {
        switch self {
        case .messages: JSONWriter.bytes(AnthropicInboundWire.encodeResponse(response))
        case .completions: JSONWriter.bytes(LegacyCompletionsWire.encodeResponse(response))
        default: JSONWriter.bytes(OpenAIChatWire.encodeResponse(response))
        }
    }
}
