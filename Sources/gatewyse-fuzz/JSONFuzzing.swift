import GatewyseCore
import GatewyseProviders

/// Request and answer bodies: `JSONParser`, `JSONSkimmer` (the verbatim path), `JSONWriter`,
/// then the request decoders and every adapter's answer and failure parsing on the same bytes.
///
/// Properties: what the parser accepts, the writer writes and the parser reads back equal; the
/// skimmer accepts exactly the objects the parser accepts (up to the UTF-8 of strings, which it
/// does not validate by design), finds the same value for a key, and cutting a member it found
/// leaves valid JSON.
enum JSONFuzzing {
    static let keys = ["choices", "usage", "model", "error"]
    static let decodedSizeLimit = 256 * 1024

    static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(buffer: input)
        } catch {
            // The skimmer validates no UTF-8 in strings; any other refusal must be shared.
            if !error.reason.contains("UTF-8"), (try? JSONSkimmer.topLevelMembers(in: input, keys: keys)) != nil {
                fatalError("the skimmer accepted what the parser refused: \(error)")
            }
            return
        }
        checkRoundTrip(parsed)
        checkSkimmer(input, parsed)
        // Megabyte inputs are the regression shapes, about the parser's complexity; the decoders
        // run the same code on the small inputs the fuzzer makes.
        if input.count <= decodedSizeLimit { decode(parsed, bytes: Array(input)) }
    }

    static func checkRoundTrip(_ parsed: JSONValue) {
        let written = JSONWriter.bytes(parsed)
        guard let again = try? JSONParser.parse(written) else { fatalError("the writer wrote JSON the parser refuses: \(written)") }
        guard again == parsed else { fatalError("the round trip changed the value") }
    }

    static func checkSkimmer(_ input: UnsafeBufferPointer<UInt8>, _ parsed: JSONValue) {
        let members: [JSONSkimmer.Member?]
        do {
            members = try JSONSkimmer.topLevelMembers(in: input, keys: keys)
        } catch {
            if parsed.objectValue != nil { fatalError("the skimmer refused an object the parser accepted: \(error)") }
            return
        }
        guard let object = parsed.objectValue else { fatalError("the skimmer accepted a JSON value that is not an object") }
        for (key, member) in zip(keys, members) {
            guard let member else {
                if object[key] != nil { fatalError("the skimmer missed the key \(key)") }
                continue
            }
            let value = try? JSONParser.parse(buffer: UnsafeBufferPointer(rebasing: input[member.value]))
            guard let value, value == object[key] else { fatalError("the skimmer found another value for \(key)") }
            let cut = JSONSkimmer.cut(member, in: input)
            let rest = Array(input[..<cut.lowerBound]) + Array(input[cut.upperBound...])
            guard (try? JSONParser.parse(rest))?.objectValue != nil else { fatalError("cutting \(key) left invalid JSON") }
        }
    }

    /// No property beyond "does not trap": these turn untrusted JSON into the unified model.
    static func decode(_ parsed: JSONValue, bytes: [UInt8]) {
        _ = try? OpenAIChatWire.decodeRequest(parsed)
        _ = try? OpenAIEmbeddingsWire.decodeRequest(parsed)
        _ = try? RerankWire.decodeRequest(parsed)
        for adapter in FuzzAdapters.all {
            _ = try? adapter.parseChatResponse(status: 200, headers: [], body: bytes)
            _ = try? adapter.verbatimChatResponse(status: 200, headers: [], body: bytes)
            _ = adapter.parseFailure(status: 429, headers: [], body: bytes)
        }
    }
}

/// One adapter per wire format, with a placeholder key (never sent anywhere).
enum FuzzAdapters {
    static let all: [any ProviderAdapter] = ["openai", "anthropic", "gemini", "cohere", "bedrock"].compactMap { type in
        guard let entry = ProviderCatalog.entry(forType: type) else { return nil }
        let configuration = ProviderConfiguration(id: type, entry: entry, baseURL: entry.defaultBaseURL ?? "https://example.invalid",
                                                  apiKey: Secret("fuzz-key"))
        return ProviderRegistry.makeAdapter(for: configuration)
    }
}
