import GatewyseCore
import GatewyseProviders

/// The embedded default when no config file is given: SQLite under `./data`, and every catalog
/// provider whose usual key variable (`OPENAI_API_KEY`, …) or base-URL variable (`OLLAMA_BASE_URL`,
/// …) is set, each registered under its type id. AWS providers (Bedrock) follow the AWS SDKs'
/// variables: `AWS_REGION` (or `AWS_DEFAULT_REGION`) with `AWS_ACCESS_KEY_ID` /
/// `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, or with a Bedrock API key in
/// `AWS_BEARER_TOKEN_BEDROCK`.
public enum EnvironmentConfiguration {
    public static func make(environment: [String: String]) throws(ConfigurationError) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        var problems: [String] = []
        for entry in ProviderCatalog.openAICompatible + ProviderCatalog.native {
            if entry.auth == .awsSigV4 {
                if let provider = awsProvider(entry, environment: environment) { configuration.providers.append(provider) }
            } else if let variable = entry.apiKeyVariable, let key = environment[variable], !key.isEmpty, let baseURL = entry.defaultBaseURL {
                configuration.providers.append(ProviderConfiguration(id: entry.type, entry: entry, baseURL: baseURL, apiKey: Secret(key)))
            } else if let variable = entry.baseURLVariable, let url = environment[variable], !url.isEmpty {
                if let problem = UpstreamURLPolicy.problem(with: url, allowPrivate: true) {
                    problems.append("\(variable): \(problem)")
                } else {
                    // Base-URL variables name self-hosted servers (OLLAMA_BASE_URL, VLLM_BASE_URL…).
                    var provider = ProviderConfiguration(id: entry.type, entry: entry, baseURL: url, apiKey: nil)
                    provider.allowPrivateNetwork = true
                    configuration.providers.append(provider)
                }
            }
        }
        TracingEnvironment.apply(environment, to: &configuration.tracing, problems: &problems)
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    /// An AWS provider needs a region and either access keys or its API key; otherwise it is not
    /// registered (AWS variables are common in environments that do not mean to use Bedrock).
    static func awsProvider(_ entry: ProviderCatalogEntry, environment: [String: String]) -> ProviderConfiguration? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION"), let template = entry.defaultBaseURL else { return nil }
        var provider = ProviderConfiguration(id: entry.type, entry: entry, baseURL: template.replacing("{region}", with: region),
                                             apiKey: entry.apiKeyVariable.flatMap(value).map(Secret.init))
        provider.region = region
        if let accessKey = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            provider.awsCredentials = AWSCredentials(accessKeyID: accessKey, secretAccessKey: Secret(secret),
                                                     sessionToken: value("AWS_SESSION_TOKEN").map(Secret.init))
        }
        return provider.awsCredentials != nil || provider.apiKey != nil ? provider : nil
    }
}
