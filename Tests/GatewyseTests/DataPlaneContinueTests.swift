import GatewyseTesting
import Testing

@Suite("Data plane: Expect: 100-continue")
struct DataPlaneContinueTests {
    /// The head of a request whose body is held back until `100 Continue`, and the body.
    static func split(_ request: String) -> (head: String, body: String) {
        let parts = request.components(separatedBy: "\r\n\r\n")
        return (parts[0] + "\r\nExpect: 100-continue\r\n\r\n", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test("chat, Anthropic messages and a forwarded route answer 100 Continue before the body is sent, then the real answer",
          arguments: ["chat", "messages", "legacy"])
    func continues(_ kind: String) async throws {
        try await DataPlaneTests.withGateway { gateway in
            try await DataPlaneTests.withConnection(gateway) { connection in
                let request = switch kind {
                case "chat": DataPlaneTests.chat(gateway, "go on")
                case "messages": DataPlaneMessagesTests.messages(gateway, "go on")
                default: DataPlaneTests.completion(gateway, prompt: "go on")
                }
                let (head, body) = Self.split(request)
                try await connection.send(head)
                let interim = String(decoding: try await connection.readLine(timeout: .milliseconds(500)), as: UTF8.self)
                #expect(interim == "HTTP/1.1 100 Continue")
                #expect(try await connection.readLine(timeout: .milliseconds(500)).isEmpty)
                try await connection.send(body)
                let response = try await connection.readResponse()
                #expect(response.status == 200, "\\(response.status) \\(response.text)")
                #expect(response.text.contains("go on"))
            }
        }
    }
}
