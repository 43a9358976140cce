import Testing
@testable import GatewyseRouting

@Suite struct RoutePlannerTests {
    let a = deployment("a", priority: 2)
    let b = deployment("b", priority: 1)
    let c = deployment("c", priority: 3)

    @Test(arguments: RoutingStrategyKind.allCases)
    func everyCandidateAppearsExactlyOnce(strategy: RoutingStrategyKind) {
        let candidates = [a, b, c, deployment("d", priority: 1, weight: 0)]
        var health = HealthSnapshot()
        health.deployments["c/m"] = DeploymentHealth(status: .down, breaker: .open)
        let inputs = RoutingInputs(health: health, roundRobinCounter: 7)
        var rng = SplitMix64(seed: 42)
        let plan = RoutePlanner.plan(candidates: candidates, strategy: strategy, inputs: inputs, using: &rng)
        #expect(plan.count == candidates.count)
        #expect(Set(plan.map(\.id)) == Set(candidates.map(\.id)))
        #expect(plan.last?.id == "c/m", "the down deployment is the last resort under \(strategy)")
    }

    @Test func rawValuesAreTheConfiguredNames() {
        #expect(RoutingStrategyKind.allCases.map(\.rawValue) == [
            "priority", "round-robin", "weighted", "least-latency", "least-cost",
            "free-tier-first", "task-optimized", "cost-optimized", "failover", "random",
        ])
    }

    @Test func priorityIsAscendingWithTiesInConfigOrder() {
        let tie = deployment("tie", priority: 1)
        #expect(providers(RoutingStrategies.priority([a, b, c, tie])) == ["b", "tie", "a", "c"])
    }

    @Test func roundRobinRotatesThePriorityOrder() {
        let candidates = [a, b, c]
        #expect(providers(RoutingStrategies.roundRobin(candidates, counter: 0)) == ["b", "a", "c"])
        #expect(providers(RoutingStrategies.roundRobin(candidates, counter: 1)) == ["a", "c", "b"])
        #expect(providers(RoutingStrategies.roundRobin(candidates, counter: 2)) == ["c", "b", "a"])
        #expect(providers(RoutingStrategies.roundRobin(candidates, counter: 3)) == ["b", "a", "c"])
        #expect(providers(RoutingStrategies.roundRobin(candidates, counter: .max)) == ["b", "a", "c"]) // .max % 3 == 0
    }

    @Test func roundRobinCountersCountPerKeyAndExpire() {
        let counters = RoundRobinCounters(ttl: 3_600)
        var clock = TestClock()
        #expect(counters.next(for: "t1|chat", at: clock.now) == 0)
        #expect(counters.next(for: "t1|chat", at: clock.now) == 1)
        #expect(counters.next(for: "t2|chat", at: clock.now) == 0)
        clock.advance(by: 3_601)
        #expect(counters.next(for: "t1|chat", at: clock.now) == 0)
    }

    @Test func weightedFirstPicksFollowTheWeights() {
        let candidates = [deployment("light", weight: 1), deployment("medium", weight: 2), deployment("heavy", weight: 7)]
        var rng = SplitMix64(seed: 7)
        var firsts: [String: Int] = [:]
        var seconds: [String: Int] = [:]
        let draws = 10_000
        for _ in 0..<draws {
            let plan = RoutingStrategies.weighted(candidates, using: &rng)
            firsts[plan[0].providerID, default: 0] += 1
            seconds[plan[1].providerID, default: 0] += 1
        }
        // Expected 1,000 / 2,000 / 7,000; ±250 is more than 5 standard deviations for each.
        #expect(abs(firsts["light", default: 0] - 1_000) < 250)
        #expect(abs(firsts["medium", default: 0] - 2_000) < 250)
        #expect(abs(firsts["heavy", default: 0] - 7_000) < 250)
        // Second place after sampling without replacement:
        // P(light second) = P(medium)·1/8 + P(heavy)·1/3 = 0.2/8 + 0.7/3 ≈ 0.2583.
        #expect(abs(seconds["light", default: 0] - 2_583) < 250)
    }

    @Test func weightedPutsZeroWeightsLast() {
        let candidates = [deployment("zero", priority: 1, weight: 0), deployment("one", priority: 2, weight: 1), deployment("two", priority: 3, weight: 1)]
        var rng = SplitMix64(seed: 1)
        for _ in 0..<200 {
            #expect(RoutingStrategies.weighted(candidates, using: &rng).last?.providerID == "zero")
        }
    }

    @Test func weightedIsReproducibleWithTheSameSeed() {
        let candidates = (0..<6).map { deployment("p\($0)", weight: Double($0 + 1)) }
        var first = SplitMix64(seed: 99)
        var second = SplitMix64(seed: 99)
        for _ in 0..<50 {
            #expect(RoutingStrategies.weighted(candidates, using: &first) == RoutingStrategies.weighted(candidates, using: &second))
        }
    }

    @Test func randomIsUniform() {
        let candidates = [a, b, c]
        var rng = SplitMix64(seed: 3)
        var firsts: [String: Int] = [:]
        for _ in 0..<9_000 {
            firsts[RoutingStrategies.random(candidates, using: &rng)[0].providerID, default: 0] += 1
        }
        for name in ["a", "b", "c"] {
            #expect(abs(firsts[name, default: 0] - 3_000) < 250, "\(name): \(firsts[name, default: 0])")
        }
    }

    @Test func leastLatencyRanksByEWMAAndMeasuresNewcomersFirst() {
        let health = HealthTracker()
        let clock = TestClock()
        for _ in 0..<3 {
            health.record("a/m", .success(latency: 0.9, timeToFirstToken: 0.1), at: clock.now)
            health.record("b/m", .success(latency: 0.3, timeToFirstToken: 0.4), at: clock.now)
        }
        let snapshot = health.snapshot(at: clock.now)
        let newcomer = deployment("new", priority: 9)
        #expect(providers(RoutingStrategies.leastLatency([a, b, newcomer], health: snapshot, stream: false)) == ["new", "b", "a"])
        // Streams wait for the first token: a is faster there.
        #expect(providers(RoutingStrategies.leastLatency([a, b], health: snapshot, stream: true)) == ["a", "b"])
    }

    @Test func leastCostMultipliesPriceByEstimatedTokens() {
        // cheapIn: cheap input, dear output; cheapOut: the reverse.
        let cheapIn = deployment("cheap-in", priority: 2, price: ModelPrice(input: 0.1, output: 10))
        let cheapOut = deployment("cheap-out", priority: 1, price: ModelPrice(input: 5, output: 1))
        let unpriced = deployment("unpriced", priority: 0)
        let prices = PriceBook()
        let promptHeavy = RequestProfile(estimatedInputTokens: 100_000, estimatedOutputTokens: 100)
        let outputHeavy = RequestProfile(estimatedInputTokens: 100, estimatedOutputTokens: 100_000)
        #expect(providers(RoutingStrategies.leastCost([unpriced, cheapOut, cheapIn], prices: prices, profile: promptHeavy)) == ["cheap-in", "cheap-out", "unpriced"])
        #expect(providers(RoutingStrategies.leastCost([unpriced, cheapOut, cheapIn], prices: prices, profile: outputHeavy)) == ["cheap-out", "cheap-in", "unpriced"])
    }

    @Test func leastCostReadsThePriceBookBeforeTheCatalog() {
        let x = deployment("x", "m", price: ModelPrice(input: 0.01, output: 0.01))
        let y = deployment("y", "m", price: ModelPrice(input: 1, output: 1))
        let book = PriceBook(["x/m": ModelPrice(input: 50, output: 50)])
        #expect(providers(RoutingStrategies.leastCost([x, y], prices: book, profile: RequestProfile())) == ["y", "x"])
    }

    @Test func freeTierFirstThenPaidThenExhausted() {
        let clock = TestClock()
        let tracker = FreeTierTracker(quotas: [
            "groq/m": FreeTierQuota(requestsPerMinute: 1),
            "cerebras": FreeTierQuota(requestsPerMinute: 100),
        ])
        let paid = deployment("openai", priority: 1)
        let groq = deployment("groq", priority: 3)
        let cerebras = deployment("cerebras", priority: 2)
        let candidates = [paid, groq, cerebras]
        #expect(providers(RoutingStrategies.freeTierFirst(candidates, freeTier: tracker.snapshot(at: clock.now))) == ["cerebras", "groq", "openai"])

        tracker.record("groq/m", requests: 1, at: clock.now)
        #expect(providers(RoutingStrategies.freeTierFirst(candidates, freeTier: tracker.snapshot(at: clock.now))) == ["cerebras", "openai", "groq"])
    }

    @Test func taskOptimizedMatchesTheTaskAndHardRequirements() {
        let coder = deployment("coder", priority: 3, tier: .advanced, strengths: [.code, .tools])
        let flagship = deployment("flagship", priority: 1, tier: .frontier, strengths: [.tools, .vision])
        let small = deployment("small", priority: 2, tier: .basic, strengths: [.fast])
        let all = [flagship, small, coder]

        #expect(providers(RoutingStrategies.taskOptimized(all, profile: RequestProfile(task: .code))) == ["coder", "flagship", "small"])
        #expect(providers(RoutingStrategies.taskOptimized(all, profile: RequestProfile(task: .shortChat))) == ["small", "flagship", "coder"])
        // Vision is a hard requirement: the coder's higher score cannot put it ahead.
        let visionCode = RequestProfile(task: .code, needsVision: true)
        #expect(providers(RoutingStrategies.taskOptimized(all, profile: visionCode)).first == "flagship")
        // An explicit catalog score overrides the derived one.
        let tuned = deployment("tuned", priority: 9, tier: .basic, taskScores: [.code: 10])
        #expect(providers(RoutingStrategies.taskOptimized(all + [tuned], profile: RequestProfile(task: .code))).first == "tuned")
    }

    @Test func taskOptimizedDemotesModelsWhoseContextIsTooSmall() {
        let short = deployment("short", priority: 1, tier: .frontier, strengths: [.longContext], contextWindow: 8_000)
        let long = deployment("long", priority: 2, tier: .standard, contextWindow: 200_000)
        let profile = RequestProfile(estimatedInputTokens: 50_000, estimatedOutputTokens: 1_000, task: .longContext)
        #expect(providers(RoutingStrategies.taskOptimized([short, long], profile: profile)) == ["long", "short"])
    }

    @Test func costOptimizedBuysTheCheapestGoodEnoughModel() {
        let small = deployment("small", tier: .basic, price: ModelPrice(input: 0.05, output: 0.08))
        let mid = deployment("mid", tier: .advanced, price: ModelPrice(input: 0.5, output: 1.5))
        let top = deployment("top", tier: .frontier, price: ModelPrice(input: 5, output: 25))
        let all = [top, mid, small]
        let prices = PriceBook()
        // Code needs .advanced: mid is the cheapest that qualifies; small is not good enough and
        // comes after the qualifying ones.
        #expect(providers(RoutingStrategies.costOptimized(all, prices: prices, profile: RequestProfile(task: .code))) == ["mid", "top", "small"])
        // Short chat takes anything: cheapest first.
        #expect(providers(RoutingStrategies.costOptimized(all, prices: prices, profile: RequestProfile(task: .shortChat))) == ["small", "mid", "top"])
        // Nothing qualifies: best quality first.
        let weak = [deployment("b1", tier: .basic, price: ModelPrice(input: 0.01, output: 0.01)),
                    deployment("s1", tier: .standard, price: ModelPrice(input: 1, output: 1))]
        #expect(providers(RoutingStrategies.costOptimized(weak, prices: prices, profile: RequestProfile(task: .reasoning))) == ["s1", "b1"])
    }

    @Test func failoverDemotesDegradedAndDown() {
        var health = HealthSnapshot()
        health.deployments["b/m"] = DeploymentHealth(status: .degraded)
        health.deployments["a/m"] = DeploymentHealth(status: .down, breaker: .open)
        health.deployments["c/m"] = DeploymentHealth(status: .healthy)
        var rng = SplitMix64(seed: 0)
        let plan = RoutePlanner.plan(candidates: [a, b, c], strategy: .failover, inputs: RoutingInputs(health: health), using: &rng)
        #expect(providers(plan) == ["c", "b", "a"])
        // Priority keeps a degraded deployment in place; only the down one moves.
        let byPriority = RoutePlanner.plan(candidates: [a, b, c], strategy: .priority, inputs: RoutingInputs(health: health), using: &rng)
        #expect(providers(byPriority) == ["b", "c", "a"])
    }

    @Test func unavailableDeploymentsAreDemotedNotRemoved() {
        let health = HealthTracker()
        var clock = TestClock()
        for _ in 0..<5 { health.record("b/m", .failure, at: clock.now) } // opens b's breaker
        var rng = SplitMix64(seed: 5)
        let plan = RoutePlanner.plan(candidates: [a, b, c], strategy: .priority, inputs: RoutingInputs(health: health.snapshot(at: clock.now)), using: &rng)
        #expect(providers(plan) == ["a", "c", "b"])
        // After the cool-down b is half-open (degraded): planned normally again so it can be probed.
        clock.advance(by: 60)
        let later = RoutePlanner.plan(candidates: [a, b, c], strategy: .priority, inputs: RoutingInputs(health: health.snapshot(at: clock.now)), using: &rng)
        #expect(providers(later) == ["b", "a", "c"])
    }
}
