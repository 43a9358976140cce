@testable import GatewyseRouting

/// Short deployment builders for planner tests.
func deployment(_ providerID: String, _ model: String = "m", priority: Int = 1, weight: Double = 1,
                tier: QualityTier = .standard, strengths: ModelStrengths = [], contextWindow: Int? = nil,
                price: ModelPrice? = nil, taskScores: [TaskKind: Double] = [:]) -> Deployment {
    Deployment(providerID: providerID, model: model, priority: priority, weight: weight,
               catalog: ModelCatalogInfo(qualityTier: tier, strengths: strengths, contextWindow: contextWindow, price: price, taskScores: taskScores))
}

/// Provider ids of a plan, for readable expectations.
func providers(_ plan: [Deployment]) -> [String] { plan.map(\.providerID) }

/// Equality for computed Doubles.
func approximately(_ a: Double, _ b: Double, tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }
