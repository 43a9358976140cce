/// How well a model suits a task, and whether it can serve a request at all — the matching half
/// of task-optimized and cost-optimized routing (the classifying half is `TaskClassifier`).
public enum TaskScoring {
    /// A suitability score on a 0–10 scale, higher is better: the catalog's explicit score for
    /// the task when it has one, otherwise `qualityTier` (1–4) plus 4 when the model has the
    /// task's strength tag. So a tagged model beats an untagged one of a tier or two above
    /// (a fast 8B model wins short chat over an untagged flagship), and among tagged models the
    /// better tier wins.
    public static func score(_ info: ModelCatalogInfo, for task: TaskKind) -> Double {
        if !info.taskScores.isEmpty, let explicit = info.taskScores[task] { return explicit }
        return Double(info.qualityTier.rawValue) + (info.strengths.contains(task.strength) ? 4 : 0)
    }

    /// Whether the model can take the request: tools, images and JSON output need the matching
    /// tag, and the estimated input plus output must fit a known context window.
    public static func meetsRequirements(_ info: ModelCatalogInfo, of profile: RequestProfile) -> Bool {
        if profile.needsTools && !info.strengths.contains(.tools) { return false }
        if profile.needsVision && !info.strengths.contains(.vision) { return false }
        if profile.needsJSON && !info.strengths.contains(.structuredOutput) { return false }
        if let window = info.contextWindow, profile.estimatedInputTokens + profile.estimatedOutputTokens > window { return false }
        return true
    }
}
