import GatewyseCore

/// Turns a completion event and its trace into the request span and one span per upstream
/// attempt, with the OpenTelemetry GenAI semantic-convention attributes (gen-ai-spans.md:
/// `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
/// `gen_ai.response.model`, `gen_ai.usage.*`, `gen_ai.response.finish_reasons`, `error.type`)
/// and the gateway's own under `gatewyse.*`. Never prompt or answer text, never a key: only
/// what the completion event already carries for usage records and logs.
enum SpanBuilder {
    static func spans(of event: CompletionEvent, trace: RequestTrace, endUnixNanos: UInt64) -> [SpanRecord] {
        let attempts = trace.recordedAttempts
        var spans: [SpanRecord] = []
        spans.reserveCapacity(attempts.count + 1)
        spans.append(requestSpan(event, trace: trace, lastAttempt: attempts.last, endUnixNanos: endUnixNanos))
        for attempt in attempts {
            spans.append(attemptSpan(attempt, trace: trace, endUnixNanos: endUnixNanos))
        }
        return spans
    }

    static func requestSpan(_ event: CompletionEvent, trace: RequestTrace, lastAttempt: RequestTrace.AttemptRecord?,
                            endUnixNanos: UInt64) -> SpanRecord {
        let status = GatewayMetrics.status(of: event.outcome)
        var attributes: [SpanAttribute] = [
            .string("gen_ai.operation.name", trace.operation),
            .string("http.request.method", "POST"),
            .string("http.route", event.endpoint.rawValue),
            .int("http.response.status_code", status),
            .string("gatewyse.request.id", event.requestID),
            .int("gatewyse.attempts", event.attempts),
        ]
        if let principal = event.principal {
            attributes.append(.string("gatewyse.tenant.id", principal.tenantID))
            attributes.append(.string("gatewyse.key.id", principal.keyID))
        }
        if let model = event.requestedModel { attributes.append(.string("gen_ai.request.model", model)) }
        if let providerType = lastAttempt?.providerType {
            let name = SpanNames.providerName(type: providerType)
            attributes.append(.string("gen_ai.provider.name", name))
            // The name before semantic conventions 1.37, which many backends still group by.
            attributes.append(.string("gen_ai.system", name))
        }
        if let provider = event.providerID { attributes.append(.string("gatewyse.provider.id", provider)) }
        if let model = event.upstreamModel { attributes.append(.string("gen_ai.response.model", model)) }
        if let usage = event.usage {
            attributes.append(.int("gen_ai.usage.input_tokens", usage.promptTokens))
            attributes.append(.int("gen_ai.usage.output_tokens", usage.completionTokens))
            if event.usageEstimated { attributes.append(SpanAttribute("gatewyse.usage.estimated", .bool(true))) }
        }
        if let reason = event.finishReason { attributes.append(SpanAttribute("gen_ai.response.finish_reasons", .stringArray([reason.rawValue]))) }
        let spanStatus: SpanRecord.Status
        switch event.outcome {
        case .answered, .streamFinished:
            spanStatus = .unset
        case .failed(_, let code), .streamFailed(let code):
            attributes.append(.string("error.type", code))
            spanStatus = .error(code)
        case .clientGone:
            attributes.append(.string("error.type", "CLIENT_GONE"))
            spanStatus = .error("CLIENT_GONE")
        }
        return SpanRecord(traceID: trace.traceID, spanID: trace.spanID, parentSpanID: trace.parentSpanID, traceState: trace.traceState,
                          name: "POST " + event.endpoint.rawValue, kind: .server, startUnixNanos: trace.startUnixNanos,
                          endUnixNanos: max(endUnixNanos, trace.startUnixNanos), attributes: attributes, status: spanStatus)
    }

    static func attemptSpan(_ attempt: RequestTrace.AttemptRecord, trace: RequestTrace, endUnixNanos: UInt64) -> SpanRecord {
        let name = SpanNames.providerName(type: attempt.providerType)
        var attributes: [SpanAttribute] = [
            .string("gen_ai.operation.name", trace.operation),
            .string("gen_ai.provider.name", name),
            .string("gen_ai.system", name),
            .string("gen_ai.request.model", attempt.model),
            .string("gatewyse.provider.id", attempt.providerID),
            .int("gatewyse.attempt", attempt.number),
        ]
        if let status = attempt.status { attributes.append(.int("http.response.status_code", status)) }
        var status = SpanRecord.Status.unset
        if let code = attempt.errorCode {
            attributes.append(.string("error.type", code))
            status = .error(code)
        }
        let end = attempt.endUnixNanos == 0 ? endUnixNanos : attempt.endUnixNanos
        return SpanRecord(traceID: trace.traceID, spanID: attempt.spanID, parentSpanID: trace.spanID, traceState: trace.traceState,
                          name: trace.operation + " " + attempt.model, kind: .client, startUnixNanos: attempt.startUnixNanos,
                          endUnixNanos: max(end, attempt.startUnixNanos), attributes: attributes, status: status)
    }
}

/// Names the conventions fix: operations by route, providers by catalog type.
enum SpanNames {
    /// `gen_ai.operation.name`: the conventions' well-known values where one applies
    /// (`chat`, `text_completion`, `embeddings`), else the route's own noun.
    static func operation(_ endpoint: InferenceEndpoint) -> String {
        switch endpoint {
        case .chatCompletions, .messages: "chat"
        case .completions: "text_completion"
        case .embeddings: "embeddings"
        case .rerank: "rerank"
        case .imageGenerations: "image_generation"
        case .imageEdits: "image_edit"
        case .audioTranscriptions: "transcription"
        case .audioTranslations: "translation"
        case .audioSpeech: "speech"
        case .videoGenerations: "video_generation"
        }
    }

    /// `gen_ai.provider.name`: the conventions' well-known value for the catalog types that have
    /// one, else the catalog type itself (a bounded set either way: never the operator's id).
    static func providerName(type: String) -> String {
        switch type {
        case "azure": "azure.ai.openai"
        case "bedrock": "aws.bedrock"
        case "gemini": "gcp.gemini"
        case "vertex", "vertex-ai": "gcp.vertex_ai"
        case "mistral": "mistral_ai"
        case "xai": "x_ai"
        case "watsonx": "ibm.watsonx.ai"
        default: type
        }
    }
}
