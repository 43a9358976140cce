import GatewyseCore
import GatewyseProviders
import GatewyseRouting

// The media routes' last step (`InferenceEngine.execute`): attempts through `RouteExecutor`,
// then the answer — the upstream's own bytes, which are already in the client's (OpenAI's)
// format — with the units it used and their cost at the built-in unit prices.

extension InferenceEngine {
    /// Unit prices by provider type and model (`UnitPriceBook.defaults`); tenants' own unit
    /// prices are not read yet.
    static var unitPrices: UnitPriceBook { UnitPriceBook.defaults }

    func serveImages(_ request: ImageGenerationRequest, route: ResolvedRoute, tenantID: String,
                     exchange: InferenceExchange) async throws -> InferenceReply {
        let attempted = try await executor.images(request, route: route, tenantID: tenantID, logger: exchange.context.logger,
                                                  deadline: exchange.context.deadline, trace: exchange.trace)
        let answer = attempted.value.value
        let cost = Self.unitPrices.images[attempted.value.unitPriceKey]?.cost(count: answer.images, size: request.size, quality: request.quality)
        return answered(attempted, usage: answer.usage, body: answer.body, exchange: exchange, media: MediaUsage(images: answer.images),
                        unitCost: cost)
    }

    func serveImageEdit(_ request: ImageEditRequest, route: ResolvedRoute, tenantID: String,
                        exchange: InferenceExchange) async throws -> InferenceReply {
        let attempted = try await executor.imageEdit(request, route: route, tenantID: tenantID, logger: exchange.context.logger, trace: exchange.trace)
        let answer = attempted.value.value
        let cost = Self.unitPrices.images[attempted.value.unitPriceKey]?.cost(count: answer.images, size: request.size, quality: nil)
        return answered(attempted, usage: answer.usage, body: answer.body, exchange: exchange, media: MediaUsage(images: answer.images),
                        unitCost: cost)
    }

    func serveTranscription(_ request: TranscriptionRequest, route: ResolvedRoute, tenantID: String,
                            exchange: InferenceExchange) async throws -> InferenceReply {
        let attempted = try await executor.transcription(request, route: route, tenantID: tenantID, logger: exchange.context.logger,
                                                         deadline: exchange.context.deadline, trace: exchange.trace)
        let answer = attempted.value.value
        // The upstream's figure first (verbose_json `duration`), else what the WAV header said.
        let milliseconds = answer.audioMilliseconds ?? request.fileDurationMilliseconds
        let cost = milliseconds.flatMap { Self.unitPrices.transcriptionCost(key: attempted.value.unitPriceKey, milliseconds: $0) }
        return answered(attempted, usage: answer.usage, body: answer.body, exchange: exchange, contentType: answer.format.contentType,
                        media: MediaUsage(audioMilliseconds: milliseconds), unitCost: cost)
    }

    func serveSpeech(_ request: SpeechRequest, route: ResolvedRoute, tenantID: String,
                     exchange: InferenceExchange) async throws -> InferenceReply {
        let attempted = try await executor.speech(request, route: route, tenantID: tenantID, logger: exchange.context.logger,
                                                  deadline: exchange.context.deadline, trace: exchange.trace)
        let cost = Self.unitPrices.speech[attempted.value.unitPriceKey]?.cost(units: request.characters)
        let headers = exchange.governanceHeaders([("Content-Type", request.format.contentType), ("X-Provider", attempted.providerID),
                                                  ("X-Gatewyse-Attempts", String(attempted.attempts))])
        return .stream(headers: headers, InferenceStream(speech: attempted, request: request, unitCost: cost, exchange: exchange, drain: drain))
    }
}
