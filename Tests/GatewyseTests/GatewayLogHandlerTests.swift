import Foundation
@testable import GatewyseEngine
import Logging
import Testing

/// The log handler's metadata: `request_id`, which every request's logger carries, is kept
/// apart from the other keys and still reads, prints and replaces like any of them.
@Suite("Log handler")
struct GatewayLogHandlerTests {
    /// The lines one handler writes, through a pipe.
    static func lines(_ body: (inout Logger) -> Void) throws -> [[String: Any]] {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let sink = LogSink(descriptor: ends[1])
        var logger = Logger(label: "test") { _ in GatewayLogHandler(label: "test", format: .json, level: .info, sink: sink) }
        body(&logger)
        sink.flush()
        close(ends[1])
        let data = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true).readDataToEndOfFile()
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("request_id and other metadata: set, read, printed, replaced and removed alike")
    func requestIDBesideOtherMetadata() throws {
        let lines = try Self.lines { logger in
            logger[metadataKey: "request_id"] = "req_1"
            logger[metadataKey: "tenant"] = "acme"
            #expect(logger[metadataKey: "request_id"] == "req_1" && logger[metadataKey: "tenant"] == "acme")
            #expect(logger.handler.metadata == ["request_id": "req_1", "tenant": "acme"])
            logger.info("first", metadata: ["extra": "x"])
            logger[metadataKey: "request_id"] = "req_2"
            logger.info("second")
            logger[metadataKey: "request_id"] = nil
            logger.handler.metadata = ["request_id": "req_3"]
            #expect(logger[metadataKey: "tenant"] == nil && logger[metadataKey: "request_id"] == "req_3")
            logger.info("third")
        }
        #expect(lines.count == 3)
        #expect(lines[0]["request_id"] as? String == "req_1" && lines[0]["tenant"] as? String == "acme" && lines[0]["extra"] as? String == "x")
        #expect(lines[1]["request_id"] as? String == "req_2" && lines[1]["msg"] as? String == "second")
        #expect(lines[2]["request_id"] as? String == "req_3" && lines[2]["tenant"] == nil)
    }
}
