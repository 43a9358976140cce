import GatewyseCore
import HTTPTypes
import Hummingbird
import NIOCore

// The data plane's requests and replies through Hummingbird: the routes that serve them when
// the channel handler is switched off (`GATEWYSE_DATA_PLANE=hummingbird`, comparison runs).

extension DataPlaneRequest {
    static func collect(_ request: Request, limit: Int) async -> DataPlaneRequest {
        var body = ByteBuffer()
        var tooLarge = request.headers[.contentLength].flatMap(Int.init).map { $0 > limit } ?? false
        if !tooLarge {
            do { body = try await request.body.collect(upTo: limit) } catch { tooLarge = true }
        }
        return DataPlaneRequest(authorization: request.headers[.authorization], apiKey: request.headers[.xAPIKey], body: body, bodyTooLarge: tooLarge)
    }
}

extension DataPlaneReply {
    var response: Response {
        switch self {
        case .complete(let status, let headers, let bytes):
            var fields = HTTPFields()
            for (name, value) in headers { if let field = HTTPField.Name(name) { fields[field] = value } }
            return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let headers, let stream, .chatCompletions):
            return SSEResponse.make(headers: headers, stream: stream, framing: OpenAISSEFraming.chat)
        case .stream(let headers, let stream, .messages):
            return SSEResponse.make(headers: headers, stream: stream, framing: AnthropicStreamEncoder())
        }
    }
}
