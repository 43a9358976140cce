// GatewyseRouting — how the engine is expected to call this library.
//
// Everything here is a pure function or a small state machine. Time is always passed in as
// `now: Double` (Unix seconds; free-tier day and month windows align to UTC from it) and
// randomness as `inout some RandomNumberGenerator`, so every decision is reproducible in tests.
// The shared holders (`HealthTracker`, `FreeTierTracker`, `RouteDecisionCache`,
// `RoundRobinCounters`) guard small state with a `Mutex`, never await under it and do no I/O.
//
// Per request, in `RouteExecutor` (retry, failover and circuit feedback live only there):
//
//     let now = clock.now
//     let profile = RequestProfile(request: chat, isStream: chat.stream)   // classify + estimate
//     // 1. Resolve the route's deployments (config filters: enabled, allowed, has the model).
//     //    `RouteDecisionCache` may hold this list, keyed by tenant, capability, model,
//     //    `health.healthEpoch(at: now)` and the config version.
//     let inputs = RoutingInputs(
//         health: health.snapshot(at: now),
//         prices: priceBook,
//         freeTier: freeTier.snapshot(at: now),
//         roundRobinCounter: counters.next(for: "\(tenant)|chat", at: now),
//         profile: profile)
//     // 2. Plan: every candidate exactly once; down / open-breaker ones last.
//     let plan = RoutePlanner.plan(candidates: deployments, strategy: route.strategy,
//                                  inputs: inputs, using: &rng)
//     // 3. Walk the plan.
//     var total = 0
//     for (index, deployment) in plan.enumerated() {
//         var attemptsHere = 0
//         attempts: while true {
//             // The breaker decides whether this deployment may be called now (one probe when
//             // half-open); a rejection moves on to the next deployment without an attempt.
//             guard health.acquire(deployment.id, at: clock.now).allowsRequest else { break attempts }
//             attemptsHere += 1; total += 1
//             switch await attempt(deployment) {
//             case .success(let latency, let ttft, let usage, let headers):
//                 health.record(deployment.id, .success(latency: latency, timeToFirstToken: ttft), at: clock.now)
//                 let key = FreeTierDefaults.key(providerID: deployment.providerID, model: deployment.model)
//                 freeTier.record(key, requests: 1, tokens: usage.totalTokens, at: clock.now)
//                 freeTier.correct(key, with: RateLimitHeaders(headers), at: clock.now)
//                 return
//             case .failure(let failure):               // classified by the engine
//                 // 4xx that describe the request itself are not the provider's fault: `.ignored`
//                 // frees a half-open probe without moving the breaker.
//                 health.record(deployment.id, failure.blamesProvider ? .failure : .ignored, at: clock.now)
//                 let hint = failure.retryAfter ?? RateLimitHeaders(failure.headers).suggestedRetryDelay
//                 switch retryPolicy.decide(retryable: failure.retryable, retryAfter: hint,
//                                           attemptsOnCandidate: attemptsHere, totalAttempts: total,
//                                           hasMoreCandidates: index < plan.count - 1,
//                                           now: clock.now, deadline: deadline, using: &rng) {
//                 case .retry(let delay): try await clock.sleep(for: delay)   // then loop
//                 case .nextCandidate: break attempts
//                 case .giveUp: throw failure.error
//                 }
//             }
//         }
//     }
//
// Randomness: weighted and random plans draw one `next()` per candidate. Give them a cheap
// generator (a per-thread or per-request PRNG seeded once from the system): the system generator
// makes a `getrandom` call per draw, which on Linux costs more than the whole plan (~0.6–1 µs for
// four candidates with a PRNG, both snapshots included; ~3 µs with the system generator).
//
// On a stream, the executor stops consulting the retry policy once the first byte has reached
// the client: the plan walk ends there whatever happens next.
//
// Costs: `PriceBook.cost(usage:providerID:model:)` settles a finished request;
// `RequestProfile` and `ModelPrice.estimatedCost` feed least-cost and cost-optimized planning.
