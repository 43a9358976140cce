import GatewyseCore
import GatewyseProviders
import Logging

/// The request pipeline after authentication (ARCHITECTURE §4 step 6), as straight-line code.
/// Today: resolve the route → plan and execute it (`RouteExecutor`). Guards, cache, budgets, usage and audit slot in here, in
/// that documented order, as they land.
public struct InferencePipeline: Sendable {
    public let resolver: RouteResolver
    public let executor: RouteExecutor

    public init(resolver: RouteResolver, executor: RouteExecutor) {
        self.resolver = resolver
        self.executor = executor
    }

    public func chat(_ request: ChatRequest, principal: Principal, logger: Logger) async throws -> RouteExecutor.Attempted<ChatResponse> {
        let route = try resolver.resolve(model: request.model, tenantID: principal.tenantID)
        return try await executor.chat(request, route: route, tenantID: principal.tenantID, logger: logger)
    }

    /// `chat` for OpenAI-format clients, which may receive an OpenAI-format upstream's answer
    /// unchanged (`RouteExecutor.chatForOpenAIClient`).
    public func chatForOpenAIClient(_ request: ChatRequest, principal: Principal, logger: Logger) async throws -> RouteExecutor.Attempted<OpenAIChatAnswer> {
        let route = try resolver.resolve(model: request.model, tenantID: principal.tenantID)
        return try await executor.chatForOpenAIClient(request, route: route, tenantID: principal.tenantID, logger: logger)
    }

    public func chatStream(_ request: ChatRequest, principal: Principal, logger: Logger,
                           forOpenAIClient: Bool = false) async throws -> RouteExecutor.Attempted<ChatStream> {
        let route = try resolver.resolve(model: request.model, tenantID: principal.tenantID)
        return try await executor.chatStream(request, route: route, tenantID: principal.tenantID, logger: logger, forOpenAIClient: forOpenAIClient)
    }

    /// `POST /v1/embeddings`: the same route lookup as chat (aliases and `provider/model`), then
    /// the attempt loop with embeddings-capable candidates only.
    public func embeddings(_ request: EmbeddingRequest, principal: Principal, logger: Logger) async throws -> RouteExecutor.Attempted<EmbeddingResponse> {
        let route = try resolver.resolve(model: request.model, tenantID: principal.tenantID)
        return try await executor.embeddings(request, route: route, tenantID: principal.tenantID, logger: logger)
    }

    /// `POST /v1/rerank`: the same route lookup, then the attempt loop with rerank-capable
    /// candidates only.
    public func rerank(_ request: RerankRequest, principal: Principal, logger: Logger) async throws -> RouteExecutor.Attempted<RerankResponse> {
        let route = try resolver.resolve(model: request.model, tenantID: principal.tenantID)
        return try await executor.rerank(request, route: route, tenantID: principal.tenantID, logger: logger)
    }

    /// The models a principal may address, for `GET /v1/models`: every alias, then every
    /// `provider/model` the configuration names (declared provider models and alias targets).
    public func listModels(for principal: Principal) -> [ModelListing] {
        var listings: [ModelListing] = []
        var seen: Set<String> = []
        let aliases = resolver.aliases(for: principal.tenantID)
        for alias in aliases.values.sorted(by: { $0.name < $1.name }) where seen.insert(alias.name).inserted {
            listings.append(ModelListing(id: alias.name, ownedBy: "gatewyse"))
        }
        var addressed: [(String, String)] = []
        for (providerID, models) in resolver.declaredModels { addressed += models.map { (providerID, $0) } }
        for alias in aliases.values { addressed += alias.targets.map { ($0.provider, $0.model) } }
        for (provider, model) in addressed.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            let id = "\(provider)/\(model)"
            if seen.insert(id).inserted { listings.append(ModelListing(id: id, ownedBy: provider)) }
        }
        return listings
    }
}

public struct ModelListing: Sendable, Equatable {
    public var id: String
    public var ownedBy: String
}
