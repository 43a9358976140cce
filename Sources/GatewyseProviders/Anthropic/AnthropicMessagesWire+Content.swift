import GatewyseCore

// MARK: - Content parts → content blocks (providers.md §4.1 "Content")

extension AnthropicMessagesWire {
    /// Image formats Anthropic reads (providers.md §2 "Capabilities": jpeg/png/gif/webp).
    static let imageMediaTypes: Set<String> = ["image/jpeg", "image/png", "image/gif", "image/webp"]

    /// Text, image and document blocks for a message's content. Blank text is left out: Anthropic
    /// refuses empty and whitespace-only text blocks (`isBlank`). A part's caching marker goes on
    /// its block (on the block before it when the part was left out: the cached prefix is the same).
    static func contentBlocks(_ message: ChatMessage, path: String) throws(GatewayError) -> [JSONValue] {
        switch message.content {
        case nil:
            return []
        case .text(let text)?:
            return isBlank(text) ? [] : [textBlock(text)]
        case .parts(let parts)?:
            var blocks: [JSONValue] = []
            for (j, part) in parts.enumerated() {
                let partPath = "\(path)[\(j)]"
                switch part {
                case .text(let text):
                    if !isBlank(text) { blocks.append(textBlock(text)) }
                case .imageURL(let url, _):
                    blocks.append(try imageBlock(url, path: "\(partPath).image_url.url"))
                case .inputAudio:
                    // `incompatibility(with:)` keeps audio away from Anthropic; reaching here is a bug
                    // in the caller, reported as a clear 400 rather than a silent drop.
                    throw .unsupportedCapability("Anthropic does not accept audio input ('\(partPath)').", param: partPath)
                case .other(let object):
                    blocks.append(try otherBlock(object, path: partPath))
                }
                markLast(&blocks, with: partCacheControl(message, j))
            }
            return blocks
        }
    }

    /// `data:` URIs become base64 sources (a PDF becomes a `document` block), http(s) URLs
    /// become URL sources (providers.md §4.1).
    static func imageBlock(_ url: String, path: String) throws(GatewayError) -> JSONValue {
        guard url.hasPrefix("data:") else {
            return ["type": "image", "source": ["type": "url", "url": .string(url)]]
        }
        guard let (mediaType, data) = base64DataURI(url) else {
            throw .invalidRequest("Field '\(path)' must be a base64 data URI (data:<media type>;base64,<data>) or an http(s) URL.",
                                  param: path, code: "INVALID_FIELD")
        }
        if mediaType == "application/pdf" {
            return ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": .string(data)]]
        }
        guard imageMediaTypes.contains(mediaType) else {
            throw .invalidRequest("Field '\(path)' has media type '\(mediaType)', which Anthropic does not read (image/jpeg, image/png, image/gif, image/webp).",
                                  param: path, code: "INVALID_FIELD")
        }
        return ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(data)]]
    }

    /// OpenAI's `{type: "file", file: {file_data: "data:application/pdf;base64,…"}}` becomes a
    /// `document` block. Uploaded-file ids (`file_id`) live in OpenAI's storage and other part
    /// types have no Anthropic form; `incompatibility(with:)` normally keeps them away.
    static func otherBlock(_ part: JSONObject, path: String) throws(GatewayError) -> JSONValue {
        let type = part["type"]?.stringValue ?? "?"
        if type == "file", let fileData = part["file"]?["file_data"]?.stringValue {
            guard let (mediaType, data) = base64DataURI(fileData), mediaType == "application/pdf" else {
                throw .invalidRequest("Field '\(path).file.file_data' must be a base64 PDF data URI for Anthropic.",
                                      param: "\(path).file.file_data", code: "INVALID_FIELD")
            }
            return ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": .string(data)]]
        }
        throw .unsupportedCapability("Anthropic does not accept content parts of type '\(type)' ('\(path)').", param: path)
    }

    /// `(media type, base64 payload)` of `data:<media type>[;param]*;base64,<payload>`.
    static func base64DataURI(_ uri: String) -> (String, String)? {
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else { return nil }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma]
        let fields = header.split(separator: ";", omittingEmptySubsequences: false)
        guard let mediaType = fields.first, !mediaType.isEmpty, fields.dropFirst().contains(where: { $0.lowercased() == "base64" }) else { return nil }
        return (mediaType.lowercased(), String(uri[uri.index(after: comma)...]))
    }

    /// Whether Anthropic can take this part at all (used by `incompatibility(with:)`).
    static func isSupported(_ part: ContentPart) -> Bool {
        switch part {
        case .text, .imageURL: true
        case .inputAudio: false
        case .other(let object): object["type"]?.stringValue == "file" && object["file"]?["file_data"]?.stringValue != nil
        }
    }
}
