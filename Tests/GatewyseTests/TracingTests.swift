import Foundation
import GatewyseCore
@testable import GatewyseEngine
import Testing

/// Traces without HTTP (decisions/0019): W3C `traceparent` parsing, the parent-based sampler,
/// the spans a completion event and its attempts become, their OTLP/JSON encoding, the bounded
/// queue, and the `tracing:` section with the `OTEL_*` variables.
@Suite("Tracing")
struct TracingTests {
    static let clientTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let clientSpanID = "00f067aa0ba902b7"

    static func tracer(ratio: Double? = nil, parentBased: Bool? = nil, capacity: Int = 2048) -> Tracer {
        var settings = TracingSettings()
        settings.endpoint = "http://127.0.0.1:4318/v1/traces"
        settings.sampleRatio = ratio
        settings.parentBased = parentBased
        settings.queueCapacity = capacity
        return Tracer(settings: settings)
    }

    // MARK: W3C Trace Context

    @Test func parsesAndFormatsTraceParent() throws {
        let header = "00-\(Self.clientTraceID)-\(Self.clientSpanID)-01"
        let context = try #require(TraceContext(traceParent: header))
        #expect(context.traceID.hex == Self.clientTraceID)
        #expect(context.spanID == 0x00f0_67aa_0ba9_02b7)
        #expect(context.sampled)
        #expect(context.traceParent == header)
        #expect(TraceContext(traceParent: "00-\(Self.clientTraceID)-\(Self.clientSpanID)-00")?.sampled == false)
        // A later version may append fields; its first four are read (W3C §3.2.4).
        #expect(TraceContext(traceParent: "01-\(Self.clientTraceID)-\(Self.clientSpanID)-01-extra")?.spanID == context.spanID)
    }

    @Test func refusesInvalidTraceParents() {
        let bad = [
            "", "00-\(Self.clientTraceID)-\(Self.clientSpanID)",
            "00-\(Self.clientTraceID.uppercased())-\(Self.clientSpanID)-01",      // upper case
            "00-00000000000000000000000000000000-\(Self.clientSpanID)-01",         // zero trace id
            "00-\(Self.clientTraceID)-0000000000000000-01",                        // zero span id
            "ff-\(Self.clientTraceID)-\(Self.clientSpanID)-01",                    // forbidden version
            "00-\(Self.clientTraceID)-\(Self.clientSpanID)-01-extra",              // version 00 has no more fields
            "00_\(Self.clientTraceID)_\(Self.clientSpanID)_01",
            "00-\(Self.clientTraceID)-\(Self.clientSpanID)-0g",
        ]
        for header in bad { #expect(TraceContext(traceParent: header) == nil, "\(header)") }
    }

    // MARK: Sampling

    @Test func parentBasedSamplerFollowsTheClient() throws {
        let tracer = Self.tracer(ratio: 0)
        // No parent, ratio 0: not traced at all (no allocation, nothing to propagate).
        #expect(tracer.startRequest(endpoint: .chatCompletions, traceParent: nil, traceState: nil) == nil)
        // A sampled parent is followed whatever the ratio; the request span is its child.
        let sampled = try #require(tracer.startRequest(endpoint: .chatCompletions, traceParent: "00-\(Self.clientTraceID)-\(Self.clientSpanID)-01",
                                                       traceState: "vendor=abc"))
        #expect(sampled.isRecording)
        #expect(sampled.traceID.hex == Self.clientTraceID)
        #expect(HexWriter.string(sampled.parentSpanID) == Self.clientSpanID)
        #expect(sampled.spanID != 0 && sampled.spanID != sampled.parentSpanID)
        // An unsampled parent: nothing recorded, but the upstream still gets the client's context.
        let unsampled = try #require(tracer.startRequest(endpoint: .chatCompletions, traceParent: "00-\(Self.clientTraceID)-\(Self.clientSpanID)-00",
                                                         traceState: "vendor=abc"))
        #expect(!unsampled.isRecording)
        let (_, headers) = unsampled.startAttempt()
        #expect(headers.first { $0.0 == "traceparent" }?.1 == "00-\(Self.clientTraceID)-\(Self.clientSpanID)-00")
        #expect(headers.first { $0.0 == "tracestate" }?.1 == "vendor=abc")
        // Not parent-based: the ratio decides even with a sampled parent.
        let ratioOnly = Self.tracer(ratio: 0, parentBased: false)
        let decided = try #require(ratioOnly.startRequest(endpoint: .chatCompletions, traceParent: "00-\(Self.clientTraceID)-\(Self.clientSpanID)-01",
                                                          traceState: nil))
        #expect(!decided.isRecording)
    }

    @Test func ratioSamplesAboutItsShare() {
        let tracer = Self.tracer(ratio: 0.25)
        let sampled = (0..<4000).filter { _ in tracer.startRequest(endpoint: .chatCompletions, traceParent: nil, traceState: nil) != nil }.count
        // 1000 expected; ±5 standard deviations (σ ≈ 27).
        #expect((865...1135).contains(sampled), "\(sampled)")
        let all = Self.tracer()
        #expect((0..<100).allSatisfy { _ in all.startRequest(endpoint: .embeddings, traceParent: nil, traceState: nil)?.isRecording == true })
    }

    // MARK: Spans

    static func completion(_ trace: RequestTrace, outcome: CompletionEvent.Outcome = .streamFinished) -> CompletionEvent {
        var event = CompletionEvent(requestID: "req_trace_1", endpoint: .chatCompletions, principal: UsageRecorderTests.principal,
                                    requestedModel: "chat", outcome: outcome, providerID: "backup", upstreamModel: "mock-chat", attempts: 2,
                                    usage: Usage(promptTokens: 12, completionTokens: 34), usageEstimated: false, cost: nil,
                                    cacheStatus: .notConsulted, timeToFirstByte: .milliseconds(5), duration: .milliseconds(20))
        event.finishReason = .stop
        event.trace = trace
        return event
    }

    @Test func requestSpanWithAttemptChildren() throws {
        let tracer = Self.tracer()
        let trace = try #require(tracer.startRequest(endpoint: .chatCompletions, traceParent: "00-\(Self.clientTraceID)-\(Self.clientSpanID)-01",
                                                     traceState: nil))
        let (first, firstHeaders) = trace.startAttempt()
        trace.finishAttempt(first, providerID: "primary", providerType: "openai", model: "error-500", status: 500, errorCode: "UPSTREAM_ERROR")
        let (second, secondHeaders) = trace.startAttempt()
        trace.finishAttempt(second, providerID: "backup", providerType: "anthropic", model: "mock-chat", status: 200, errorCode: nil,
                            endsWithRequest: true)
        // Each upstream request names its own attempt as the parent.
        #expect(firstHeaders.first { $0.0 == "traceparent" }?.1 == "00-\(Self.clientTraceID)-\(HexWriter.string(first.spanID))-01")
        #expect(secondHeaders.first { $0.0 == "traceparent" }?.1 == "00-\(Self.clientTraceID)-\(HexWriter.string(second.spanID))-01")

        tracer.requestCompleted(Self.completion(trace))
        let spans = tracer.queue.take(upTo: 10)
        #expect(spans.count == 3)
        let request = spans[0], failed = spans[1], answered = spans[2]
        #expect(request.kind == .server && request.name == "POST /v1/chat/completions")
        #expect(HexWriter.string(request.parentSpanID) == Self.clientSpanID)
        for attempt in [failed, answered] {
            #expect(attempt.kind == .client && attempt.parentSpanID == request.spanID && attempt.traceID == request.traceID)
        }
        #expect(failed.name == "chat error-500" && failed.status == .error("UPSTREAM_ERROR"))
        #expect(failed.attributes.contains(.int("http.response.status_code", 500)))
        #expect(failed.attributes.contains(.string("error.type", "UPSTREAM_ERROR")))
        #expect(answered.status == .unset && answered.attributes.contains(.int("gatewyse.attempt", 2)))
        #expect(answered.attributes.contains(.string("gen_ai.provider.name", "anthropic")))
        // A stream's answering attempt lasts until the request ends.
        #expect(answered.endUnixNanos == request.endUnixNanos)
        let expected: [SpanAttribute] = [
            .string("gen_ai.operation.name", "chat"), .string("gen_ai.request.model", "chat"), .string("gen_ai.response.model", "mock-chat"),
            .string("gen_ai.provider.name", "anthropic"), .string("gen_ai.system", "anthropic"), .int("gen_ai.usage.input_tokens", 12),
            .int("gen_ai.usage.output_tokens", 34), SpanAttribute("gen_ai.response.finish_reasons", .stringArray(["stop"])),
            .string("gatewyse.tenant.id", "acme"), .int("http.response.status_code", 200), .string("gatewyse.request.id", "req_trace_1"),
        ]
        for attribute in expected { #expect(request.attributes.contains(attribute), "\(attribute.key)") }
        #expect(!request.attributes.contains { $0.key == "error.type" })
    }

    @Test func failedRequestSpanCarriesTheErrorType() throws {
        let tracer = Self.tracer()
        let trace = try #require(tracer.startRequest(endpoint: .embeddings, traceParent: nil, traceState: nil))
        var event = Self.completion(trace, outcome: .failed(status: 429, code: "RATE_LIMITED"))
        event.endpoint = .embeddings
        event.usage = nil
        tracer.requestCompleted(event)
        let span = try #require(tracer.queue.take(upTo: 10).first)
        #expect(span.parentSpanID == 0)
        #expect(span.status == .error("RATE_LIMITED"))
        #expect(span.attributes.contains(.string("error.type", "RATE_LIMITED")))
        #expect(span.attributes.contains(.int("http.response.status_code", 429)))
        #expect(span.attributes.contains(.string("gen_ai.operation.name", "embeddings")))
        #expect(!span.attributes.contains { $0.key.hasPrefix("gen_ai.usage") })
    }

    @Test func queueIsBoundedAndCountsDrops() {
        let tracer = Self.tracer(capacity: 3)
        let record = SpanRecord(traceID: TraceID(high: 1, low: 2), spanID: 3, parentSpanID: 0, name: "x", kind: .server,
                                startUnixNanos: 1, endUnixNanos: 2, attributes: [])
        tracer.queue.push([record, record])
        tracer.queue.push([record, record])
        tracer.queue.push([record])
        #expect(tracer.queue.count == 3)
        #expect(tracer.queue.dropped == 2)
        #expect(tracer.queue.take(upTo: 2).count == 2)
        #expect(tracer.queue.count == 1)
    }

    /// A sampled request's tracing work on the request path: the trace at admission, one
    /// attempt span started and ended, the spans built and queued at completion. The queue is
    /// emptied between rounds (the exporter's job). Debug build; numbers in decisions/0019.
    @Test func sampledRequestCost() throws {
        let tracer = Self.tracer(capacity: 1_000_000)
        let count = 50_000
        var best = Double.infinity
        for round in 0..<3 {
            let start = ContinuousClock.now
            for _ in 0..<count {
                let trace = tracer.startRequest(endpoint: .chatCompletions, traceParent: nil, traceState: nil)!
                let (attempt, _) = trace.startAttempt()
                trace.finishAttempt(attempt, providerID: "mock", providerType: "openai", model: "mock-chat", status: 200, errorCode: nil)
                tracer.requestCompleted(Self.completion(trace))
            }
            let elapsed = ContinuousClock.now - start
            let ns = (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(count)
            best = min(best, ns)
            #expect(tracer.queue.take(upTo: 2 * count).count == 2 * count)
            print("tracing-bench round \(round): \(String(format: "%.2f", ns / 1000)) µs per sampled request (debug build)")
        }
        // Only catches a cost of another order (a lock storm, an encoding on the request path).
        #expect(best < 200_000)
    }

    // MARK: OTLP/JSON

    @Test func encodesOTLPJSON() throws {
        let span = SpanRecord(
            traceID: TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736), spanID: 0x00f0_67aa_0ba9_02b7, parentSpanID: 0x1,
            traceState: "a=b", name: "chat \"quoted\"", kind: .client, startUnixNanos: 1_700_000_000_123_456_789, endUnixNanos: 1_700_000_000_223_456_789,
            attributes: [.string("s", "v\n"), .int("i", -42), SpanAttribute("d", .double(0.5)), SpanAttribute("b", .bool(true)),
                         SpanAttribute("a", .stringArray(["stop", "length"]))],
            status: .error("UPSTREAM_TIMEOUT"))
        let bytes = OTLPTraceEncoder(serviceName: "gw-test", instanceID: "gw_1").encode([span])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let resourceSpans = try #require((root["resourceSpans"] as? [[String: Any]])?.first)
        let resource = try #require((resourceSpans["resource"] as? [String: Any])?["attributes"] as? [[String: Any]])
        #expect(resource.contains { $0["key"] as? String == "service.name" && ($0["value"] as? [String: Any])?["stringValue"] as? String == "gw-test" })
        let scope = try #require((resourceSpans["scopeSpans"] as? [[String: Any]])?.first)
        #expect((scope["scope"] as? [String: Any])?["name"] as? String == "gatewyse")
        let encoded = try #require((scope["spans"] as? [[String: Any]])?.first)
        #expect(encoded["traceId"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(encoded["spanId"] as? String == "00f067aa0ba902b7")
        #expect(encoded["parentSpanId"] as? String == "0000000000000001")
        #expect(encoded["traceState"] as? String == "a=b")
        #expect(encoded["name"] as? String == "chat \"quoted\"")
        #expect(encoded["kind"] as? Int == 3)
        // fixed64 and int64 are decimal strings in protobuf's JSON mapping.
        #expect(encoded["startTimeUnixNano"] as? String == "1700000000123456789")
        #expect(encoded["endTimeUnixNano"] as? String == "1700000000223456789")
        #expect((encoded["status"] as? [String: Any])?["code"] as? Int == 2)
        #expect((encoded["status"] as? [String: Any])?["message"] as? String == "UPSTREAM_TIMEOUT")
        let attributes = try #require(encoded["attributes"] as? [[String: Any]])
        func value(_ key: String) -> [String: Any]? { attributes.first { $0["key"] as? String == key }?["value"] as? [String: Any] }
        #expect(value("s")?["stringValue"] as? String == "v\n")
        #expect(value("i")?["intValue"] as? String == "-42")
        #expect(value("d")?["doubleValue"] as? Double == 0.5)
        #expect(value("b")?["boolValue"] as? Bool == true)
        let array = try #require((value("a")?["arrayValue"] as? [String: Any])?["values"] as? [[String: Any]])
        #expect(array.compactMap { $0["stringValue"] as? String } == ["stop", "length"])
        // A root span without status leaves both fields out (their defaults).
        let root2 = SpanRecord(traceID: TraceID(high: 0, low: 9), spanID: 5, parentSpanID: 0, name: "r", kind: .server, startUnixNanos: 1,
                               endUnixNanos: 2, attributes: [])
        let text = String(decoding: OTLPTraceEncoder(serviceName: "s").encode([root2]), as: UTF8.self)
        #expect(!text.contains("parentSpanId") && !text.contains("status") && text.contains(#""traceId":"00000000000000000000000000000009""#))
    }

    // MARK: Configuration

    @Test func tracingSectionAndEnvironment() throws {
        let yaml = """
        tracing:
          endpoint: http://127.0.0.1:4318/v1/traces
          sample_ratio: 0.5
          service_name: edge
          headers:
            x-api-key: ${COLLECTOR_KEY}
          export_interval_ms: 200
        """
        // The file wins over the variables; what it leaves unset comes from them.
        let both = try ConfigurationValidator.load(yaml: yaml, environment: [
            "COLLECTOR_KEY": "collector-secret", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SERVICE_NAME": "other",
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1", "OTEL_BSP_MAX_QUEUE_SIZE": "100",
        ])
        #expect(both.tracing.endpoint == "http://127.0.0.1:4318/v1/traces")
        #expect(both.tracing.sampleRatio == 0.5 && both.tracing.effectiveParentBased)
        #expect(both.tracing.serviceName == "edge")
        #expect(both.tracing.headers?["x-api-key"]?.revealed == "collector-secret")
        #expect(both.tracing.exportInterval == 0.2 && both.tracing.queueCapacity == 100)

        // No file: the standard variables alone turn tracing on.
        let environment = try EnvironmentConfiguration.make(environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318/", "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25",
            "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer%20abc,x-team=ai", "OTEL_BSP_SCHEDULE_DELAY": "150",
        ])
        #expect(environment.tracing.endpoint == "http://127.0.0.1:4318/v1/traces")
        #expect(environment.tracing.sampleRatio == 0.25 && environment.tracing.parentBased == false)
        #expect(environment.tracing.headers?["authorization"]?.revealed == "Bearer abc")
        #expect(environment.tracing.exportInterval == 0.15)
        #expect(try EnvironmentConfiguration.make(environment: [
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/custom/traces", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:1",
        ]).tracing.endpoint == "http://127.0.0.1:4318/custom/traces")
        // Off by default, and `none` or a disabled SDK turns it off.
        #expect(try EnvironmentConfiguration.make(environment: [:]).tracing.isEnabled == false)
        #expect(try EnvironmentConfiguration.make(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
                                                                 "OTEL_TRACES_EXPORTER": "none"]).tracing.isEnabled == false)
        #expect(try EnvironmentConfiguration.make(environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
                                                                 "OTEL_SDK_DISABLED": "true"]).tracing.isEnabled == false)
    }

    @Test func tracingProblemsNameTheirSource() {
        func problems(_ yaml: String, _ environment: [String: String] = [:]) -> [String] {
            do {
                _ = try ConfigurationValidator.load(yaml: yaml, environment: environment)
                return []
            } catch {
                return error.problems
            }
        }
        #expect(problems("tracing:\n  sample_ratio: 2\n").contains { $0.hasPrefix("tracing.sample_ratio:") })
        #expect(problems("tracing:\n  endpoint: ftp://collector/v1/traces\n").contains { $0.hasPrefix("tracing.endpoint:") })
        #expect(problems("tracing:\n  bogus: 1\n").contains { $0.hasPrefix("tracing.bogus: unknown key") })
        #expect(problems("", ["OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"]).contains { $0.hasPrefix("OTEL_EXPORTER_OTLP_PROTOCOL:") })
        #expect(problems("", ["OTEL_TRACES_SAMPLER": "sometimes"]).contains { $0.hasPrefix("OTEL_TRACES_SAMPLER:") })
        // A header's value is a secret: its problem names the header only.
        let headerProblems = problems("", ["OTEL_EXPORTER_OTLP_HEADERS": "bad name=secret-value"])
        #expect(headerProblems.contains { $0.contains("bad name") } && !headerProblems.joined().contains("secret-value"))
    }
}
