import GatewyseCore
import GatewyseEngine
import GatewyseProviders
import GatewyseRouting

/// Microbenchmark of planning a route, as the request path does it: health and free-tier
/// snapshots, the request profile (task classification and token estimate), the strategy, and
/// mapping back to candidates. Four deployments, each strategy in turn. `make bench-routing`.
let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
let openAI = ProviderCatalog.entry(forType: "openai")!
let groq = ProviderCatalog.entry(forType: "groq")!
var configuration = GatewayConfiguration()
configuration.providers = [
    ProviderConfiguration(id: "openai", entry: openAI, baseURL: "https://api.openai.com/v1", apiKey: Secret("k")),
    ProviderConfiguration(id: "groq", entry: groq, baseURL: "https://api.groq.com/openai/v1", apiKey: Secret("k")),
]
let targets = [ModelTarget(provider: "groq", model: "llama-3.1-8b-instant", priority: 1, weight: 3),
               ModelTarget(provider: "groq", model: "llama-3.3-70b-versatile", priority: 2, weight: 1),
               ModelTarget(provider: "openai", model: "gpt-4o-mini", priority: 3, weight: 2),
               ModelTarget(provider: "openai", model: "gpt-4.1", priority: 4, weight: 1)]
configuration.models = RoutingStrategyKind.allCases.map { ModelAlias(name: $0.rawValue, strategy: $0, targets: targets) }
let runtime = RoutingRuntime(configuration: configuration)
let resolver = RouteResolver(configuration: configuration)
var request = ChatRequest(model: "x", messages: [.system("You are a helpful assistant."), .user("Write a haiku about gateways and failover.")])
request.maxTokens = 128
// Some health history, so least-latency and failover have something to read.
for (i, target) in targets.enumerated() {
    _ = runtime.health.record("\(target.provider)/\(target.model)", .success(latency: 0.2 + Double(i) * 0.1), at: WallClock.now())
}

print("| strategy | ns per plan | plans/s |")
print("|---|---:|---:|")
var rng = RoutingRandom(seed: 42)
var checksum = 0
for kind in RoutingStrategyKind.allCases {
    request.model = kind.rawValue
    let route = try resolver.resolve(model: kind.rawValue)
    for _ in 0..<1_000 { checksum &+= runtime.plan(route, request: request, tenantID: "acme", rng: &rng).count }
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for _ in 0..<iterations { checksum &+= runtime.plan(route, request: request, tenantID: "acme", rng: &rng).count }
    }
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    let perPlan = nanoseconds / Double(iterations)
    print("| \(kind.rawValue) | \(Int(perPlan.rounded())) | \(Int((1e9 / perPlan).rounded())) |")
}
if checksum == 42 { print("") }  // keeps the work observable to the optimizer

// The completion event's cost (issue 12): what the request path pays to price a finished
// request. Before prices moved into the snapshot, the price book was looked up by a
// `"provider/model"` string built per request; now the answering candidate carries its price,
// resolved for the tenant at reload, so pricing is arithmetic on a stored field.
var usage = Usage(promptTokens: 2_012, completionTokens: 300)
usage.cachedPromptTokens = 1_800
usage.cacheWriteTokens = 200
let book = PriceBook.defaults
let priced = try resolver.resolve(model: "openai/gpt-4.1", tenantID: "acme").candidates[0]
var spent = Money.zero
@MainActor func measure(_ label: String, _ body: () -> Money?) {
    for _ in 0..<1_000 { spent += body() ?? .zero }
    let elapsed = ContinuousClock().measure { for _ in 0..<iterations { spent += body() ?? .zero } }
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    print("| \(label) | \(Int((nanoseconds / Double(iterations)).rounded())) |")
}
print("")
print("| pricing a finished request | ns |")
print("|---|---:|")
measure("price book looked up by a built \"provider/model\" string (before)") {
    book.cost(usage: usage, providerID: priced.deployment.providerID, model: priced.upstreamModel)
}
measure("the candidate's own price (now)") { priced.price?.cost(usage: usage) }
measure("the price lookup a provider/model request adds to its resolution") {
    resolver.pricing.price(for: priced.deployment, providerType: priced.providerType, tenantID: "acme")?.inputPerMillion
}
measure("resolving a provider/model request, its price included") {
    (try? resolver.resolve(model: "openai/gpt-4.1", tenantID: "acme"))?.candidates[0].price?.inputPerMillion
}
if spent == .zero { print("") }
