import GatewyseCore
import GatewyseProviders
import Testing

/// `POST /v1/embeddings` as the client sends it, and the answer as the client reads it: the four
/// input shapes, validation with field paths, and OpenAI's base64 float32 encoding both ways.
@Suite("Embeddings: client wire and base64 vectors")
struct EmbeddingWireTests {
    func decode(_ text: String) throws -> EmbeddingRequest {
        try OpenAIEmbeddingsWire.decodeRequest(try JSONParser.parse(text))
    }

    func rejection(_ text: String) -> GatewayError? {
        do { _ = try decode(text); return nil } catch let error as GatewayError { return error } catch { return nil }
    }

    @Test("the four input shapes are kept as sent; encoding, dimensions, user and unknown fields are read")
    func shapes() throws {
        #expect(try decode(#"{"model":"m","input":"hello"}"#).input == .text("hello"))
        #expect(try decode(#"{"model":"m","input":["a","b"]}"#).input == .texts(["a", "b"]))
        #expect(try decode(#"{"model":"m","input":[1,2,3]}"#).input == .tokens([1, 2, 3]))
        #expect(try decode(#"{"model":"m","input":[[1,2],[3]]}"#).input == .tokenLists([[1, 2], [3]]))
        let full = try decode(#"{"model":"m","input":"x","encoding_format":"base64","dimensions":256,"user":"u1","task_type":"RETRIEVAL_QUERY"}"#)
        #expect(full.encodingFormat == .base64)
        #expect(full.dimensions == 256)
        #expect(full.user == "u1")
        #expect(full.extra == JSONObject([("task_type", "RETRIEVAL_QUERY")]))
        #expect(try decode(#"{"model":"m","input":"x","encoding_format":null}"#).encodingFormat == nil)
    }

    @Test("invalid bodies are 400s that name the field", arguments: [
        (#"{"input":"x"}"#, "MISSING_FIELD", "model"),
        (#"{"model":"","input":"x"}"#, "INVALID_FIELD", "model"),
        (#"{"model":"m"}"#, "MISSING_FIELD", "input"),
        (#"{"model":"m","input":null}"#, "MISSING_FIELD", "input"),
        (#"{"model":"m","input":""}"#, "INVALID_FIELD", "input"),
        (#"{"model":"m","input":[]}"#, "INVALID_FIELD", "input"),
        (#"{"model":"m","input":["a",""]}"#, "INVALID_FIELD", "input[1]"),
        (#"{"model":"m","input":["a",2]}"#, "INVALID_FIELD", "input[1]"),
        (#"{"model":"m","input":[1,-2]}"#, "INVALID_FIELD", "input[1]"),
        (#"{"model":"m","input":[1,2.5]}"#, "INVALID_FIELD", "input[1]"),
        (#"{"model":"m","input":[[1],[]]}"#, "INVALID_FIELD", "input[1]"),
        (#"{"model":"m","input":[[1],["a"]]}"#, "INVALID_FIELD", "input[1][0]"),
        (#"{"model":"m","input":{"text":"x"}}"#, "INVALID_FIELD", "input"),
        (#"{"model":"m","input":[true]}"#, "INVALID_FIELD", "input"),
        (#"{"model":"m","input":"x","encoding_format":"int8"}"#, "INVALID_FIELD", "encoding_format"),
        (#"{"model":"m","input":"x","dimensions":0}"#, "INVALID_FIELD", "dimensions"),
        (#"{"model":"m","input":"x","dimensions":"256"}"#, "INVALID_FIELD", "dimensions"),
        (#"{"model":"m","input":"x","user":7}"#, "INVALID_FIELD", "user"),
    ])
    func invalid(body: String, code: String, param: String) {
        let error = rejection(body)
        #expect(error?.status == 400, "\(body)")
        #expect(error?.code == code, "\(body): \(String(describing: error))")
        #expect(error?.param == param, "\(body): \(String(describing: error))")
    }

    @Test("more than 2048 inputs are refused, as OpenAI does")
    func tooMany() {
        let inputs = Array(repeating: "\"a\"", count: 2049).joined(separator: ",")
        #expect(rejection(#"{"model":"m","input":[\#(inputs)]}"#)?.message.contains("at most 2048") == true)
    }

    @Test("base64 vectors are little-endian float32, padded, and decode back")
    func base64() {
        #expect(EmbeddingVector.floats([1]).base64String == "AACAPw==")
        #expect(EmbeddingVector.floats([1, -2]).base64String == "AACAPwAAAMA=")
        #expect(EmbeddingVector.floats([1, -2, 0.5]).base64String == "AACAPwAAAMAAAAA/")
        #expect(EmbeddingVector.floats([0.1]).base64String == "zczMPQ==")
        #expect(EmbeddingVector.base64("AACAPwAAAMAAAAA/").floatValues == [1, -2, 0.5])
        #expect(EmbeddingVector.base64("AACAPwAAAMA=").floatValues == [1, -2])
        #expect(EmbeddingVector.base64("zczMPQ==").floatValues == [Double(Float(0.1))])
        #expect(EmbeddingVector.base64("AAAA").floatValues == nil, "3 bytes are not whole float32s")
        #expect(EmbeddingVector.base64("AAC?Pw==").floatValues == nil)
        #expect(EmbeddingVector.base64("AACAP").floatValues == nil)
        #expect(EmbeddingVector.base64("already").base64String == "already", "base64 from upstream passes through")
    }

    @Test("the client gets the encoding it asked for, whatever the upstream sent")
    func clientEncoding() throws {
        let response = EmbeddingResponse(model: "text-embedding-3-small",
                                         data: [Embedding(index: 0, vector: .floats([1, -2, 0.5])), Embedding(index: 1, vector: .base64("zczMPQ=="))],
                                         usage: EmbeddingUsage(promptTokens: 3, totalTokens: 3))
        let floats = try OpenAIEmbeddingsWire.encodeResponse(response, encoding: .float, provider: "p")
        #expect(floats == ["object": "list", "data": [
            ["object": "embedding", "index": 0, "embedding": [1, -2, 0.5]],
            ["object": "embedding", "index": 1, "embedding": [.number("0.1")]],
        ], "model": "text-embedding-3-small", "usage": ["prompt_tokens": 3, "total_tokens": 3]])
        let packed = try OpenAIEmbeddingsWire.encodeResponse(response, encoding: .base64, provider: "p")
        #expect(packed["data"]?.arrayValue?.map { $0["embedding"] } == ["AACAPwAAAMAAAAA/", "zczMPQ=="])

        var broken = response
        broken.data = [Embedding(index: 0, vector: .base64("not base64!"))]
        #expect(throws: GatewayError.badUpstreamResponse("p", "data[0].embedding is not base64 of finite float32 values")) {
            try OpenAIEmbeddingsWire.encodeResponse(broken, encoding: .float, provider: "p")
        }
    }

    @Test("the estimate is one token per 4 UTF-8 bytes of text; token ids count as themselves")
    func estimate() {
        #expect(EmbeddingInput.text("hello world").estimatedTokens == 3)
        #expect(EmbeddingInput.texts(["abcd", "e"]).estimatedTokens == 2)
        #expect(EmbeddingInput.tokens([1, 2, 3]).estimatedTokens == 3)
        #expect(EmbeddingInput.tokenLists([[1], [2, 3]]).estimatedTokens == 3)
        #expect(EmbeddingInput.tokenLists([[1], [2, 3]]).texts == nil)
        #expect(EmbeddingInput.texts(["a", "b"]).count == 2)
    }
}
