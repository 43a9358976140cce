import GatewyseCore
import GatewyseProviders

/// The embedded default when no config file is given: SQLite under `./data`, and every catalog
/// provider whose usual key variable (`OPENAI_API_KEY`, …) or base-URL variable (`OLLAMA_BASE_URL`,
/// …) is set, each registered under its type id.
public enum EnvironmentConfiguration {
    public static func make(environment: [String: String]) throws(ConfigurationError) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        var problems: [String] = []
        for entry in ProviderCatalog.openAICompatible + ProviderCatalog.native {
            if let variable = entry.apiKeyVariable, let key = environment[variable], !key.isEmpty, let baseURL = entry.defaultBaseURL {
                configuration.providers.append(ProviderConfiguration(id: entry.type, entry: entry, baseURL: baseURL, apiKey: Secret(key)))
            } else if let variable = entry.baseURLVariable, let url = environment[variable], !url.isEmpty {
                if let problem = UpstreamURLPolicy.problem(with: url, allowPrivate: true) {
                    problems.append("\(variable): \(problem)")
                } else {
                    configuration.providers.append(ProviderConfiguration(id: entry.type, entry: entry, baseURL: url, apiKey: nil))
                }
            }
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }
}
