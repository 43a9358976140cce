import Foundation
import GatewyseTesting

/// `gatewyse-mock --port N`: the mock OpenAI-compatible upstream as a process, for the Python
/// SDK suite and manual experiments.
var port = 0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--port":
        guard let value = arguments.popFirst().flatMap(Int.init) else {
            FileHandle.standardError.write(Data("gatewyse-mock: --port needs a number\n".utf8))
            exit(2)
        }
        port = value
    default:
        FileHandle.standardError.write(Data("usage: gatewyse-mock [--port N]\n".utf8))
        exit(2)
    }
}
let mock = try await MockOpenAIUpstream.start(port: port)
print("gatewyse-mock listening on \(mock.baseURL)")
fflush(nil)
try await mock.wait()
