import GatewyseCore
import GatewyseProviders

extension ConfigurationValidator {
    struct AWSSettings {
        var region: String?
        var credentials: AWSCredentials?
    }

    /// `region`, `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token` of a
    /// provider entry. They belong to SigV4 providers (Bedrock) only; there, the region is
    /// required (it is in the signature scope and the default base URL), and either `api_key`
    /// or both access keys must be given. An empty session token (`${AWS_SESSION_TOKEN:-}`)
    /// means long-term credentials.
    static func awsSettings(_ entry: ConfigValue, path: String, catalogEntry: ProviderCatalogEntry, apiKey: Secret?,
                            _ r: inout Reader) -> AWSSettings {
        let keys = ["region", "aws_access_key_id", "aws_secret_access_key", "aws_session_token"]
        guard catalogEntry.auth == .awsSigV4 else {
            for key in keys where entry[key] != nil && entry[key] != .null {
                r.problems.append("\(path).\(key): only for AWS providers (type bedrock)")
            }
            return AWSSettings()
        }
        var settings = AWSSettings()
        settings.region = r.requiredString(entry["region"], "\(path).region")
        if let region = settings.region, !region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) {
            r.problems.append("\(path).region: \"\(region)\" is not an AWS region name (like us-east-1)")
        }
        let accessKey = r.string(entry["aws_access_key_id"], "\(path).aws_access_key_id").flatMap { $0.isEmpty ? nil : $0 }
        let secret = r.string(entry["aws_secret_access_key"], "\(path).aws_secret_access_key").flatMap { $0.isEmpty ? nil : Secret($0) }
        let token = r.string(entry["aws_session_token"], "\(path).aws_session_token").flatMap { $0.isEmpty ? nil : Secret($0) }
        switch (accessKey, secret) {
        case let (accessKey?, secret?):
            settings.credentials = AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token)
        case (_?, nil):
            r.problems.append("\(path).aws_secret_access_key: required with aws_access_key_id")
        case (nil, _?):
            r.problems.append("\(path).aws_access_key_id: required with aws_secret_access_key")
        case (nil, nil):
            if apiKey?.isEmpty ?? true {
                r.problems.append("\(path): give aws_access_key_id and aws_secret_access_key (SigV4), or api_key (a Bedrock API key)")
            }
        }
        return settings
    }
}
