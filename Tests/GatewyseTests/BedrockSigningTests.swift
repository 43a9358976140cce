import GatewyseCore
import GatewyseEngine
@testable import GatewyseProviders
import Testing

@Suite("Bedrock: SigV4 signing, event-stream framing, configuration")
struct BedrockSigningTests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
    /// 2026-11-24T12:36:00Z.
    static let signedAt = 1_795_523_760.0

    // The expected signatures are what botocore 1.44.8 (`SigV4Auth(credentials, "bedrock",
    // "us-east-1")`) computes for the same requests at the same instant.
    @Test("a Converse request with a ':' in the model id signs as botocore does (path double-encoded)")
    func signatureMatchesBotocore() {
        let signer = AWSSigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "bedrock")
        let headers = signer.signatureHeaders(
            method: "POST", url: "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
            headers: [("content-type", "application/json"), ("accept", "application/json")],
            body: Array(#"{"messages":[{"role":"user","content":[{"text":"hi"}]}]}"#.utf8), now: Self.signedAt)
        #expect(headers.first! == ("x-amz-date", "20261124T123600Z"))
        #expect(headers.last!.1 == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/bedrock/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date, Signature=d8503a474b6fb57e18a2db6b5a8700f6cf8f71d8dd7f3c3d69f994f8e1b0cc4f")
    }

    @Test("temporary credentials sign x-amz-security-token too")
    func sessionToken() {
        var credentials = Self.credentials
        credentials.sessionToken = Secret("SESSIONTOKEN/abc+=")
        let signer = AWSSigV4Signer(credentials: credentials, region: "us-east-1", service: "bedrock")
        let headers = signer.signatureHeaders(
            method: "POST", url: "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse-stream",
            headers: [("content-type", "application/json")], body: Array("{}".utf8), now: Self.signedAt)
        #expect(headers.map(\.0) == ["x-amz-date", "x-amz-security-token", "Authorization"])
        #expect(headers[1].1 == "SESSIONTOKEN/abc+=")
        #expect(headers[2].1.hasSuffix("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
            + "Signature=27a8f66ce4112f8637f5857029eb84547bf8864f667d0ac421f5ff9dc5e25675"))
    }

    @Test("the host header is signed as the transport sends it: default ports dropped, others kept")
    func hostHeader() {
        #expect(URLParts("https://Bedrock-Runtime.us-west-2.amazonaws.com:443/model/x/converse").hostHeader == "bedrock-runtime.us-west-2.amazonaws.com")
        #expect(URLParts("http://127.0.0.1:8123/model/x/converse?a=1").hostHeader == "127.0.0.1:8123")
        #expect(URLParts("http://127.0.0.1:8123/model/x/converse?a=1").query == "a=1")
        #expect(AWSSigV4Signer.canonicalURI("/model/a.b-v1%3A0/converse") == "/model/a.b-v1%253A0/converse")
    }

    /// A frame built by hand in Python (struct + zlib.crc32) and checked with botocore's
    /// `EventStreamBuffer`.
    static let recordedFrame = "0000009f00000057c37babff0b3a6576656e742d74797065070011636f6e74656e74426c6f636b44656c74610d3a636f6e74656e742d74797065070010"
        + "6170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b22636f6e74656e74426c6f636b496e646578223a302c2264656c7461223a7b"
        + "2274657874223a224869227d2c2270223a2261626364227df2ace5ff"

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var digits = Array(hex.utf8)[...]
        while digits.count >= 2 {
            out.append(UInt8(String(decoding: digits.prefix(2), as: UTF8.self), radix: 16)!)
            digits = digits.dropFirst(2)
        }
        return out
    }

    @Test("event-stream frames: the recorded frame decodes, and the encoder writes the same bytes")
    func recordedEventFrame() throws {
        var decoder = AWSEventStreamDecoder()
        let frame = Self.bytes(hex: Self.recordedFrame)
        let messages = try decoder.feed(frame)
        #expect(messages.count == 1)
        #expect(messages[0].headers == [":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"])
        #expect(String(decoding: messages[0].payload, as: UTF8.self) == #"{"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"abcd"}"#)
        let encoded = AWSEventStream.encode(headers: [(":event-type", "contentBlockDelta"), (":content-type", "application/json"), (":message-type", "event")],
                                            payload: messages[0].payload)
        #expect(encoded == frame)
    }

    @Test("event-stream frames split at every byte boundary decode the same")
    func splitFrames() throws {
        let frames = (0..<3).flatMap { AWSEventStream.encode(headers: [(":event-type", "e\($0)")], payload: Array("{\"n\":\($0)}".utf8)) }
        for cut in 0...frames.count {
            var decoder = AWSEventStreamDecoder()
            let messages = try decoder.feed(Array(frames[..<cut])) + decoder.feed(Array(frames[cut...]))
            #expect(messages.map { $0.headers[":event-type"] } == ["e0", "e1", "e2"])
        }
    }

    @Test("a corrupted frame is a 502, never a guess")
    func corruptFrames() {
        var frame = AWSEventStream.encode(headers: [(":event-type", "x")], payload: Array("{}".utf8))
        frame[frame.count - 6] ^= 0xFF
        var decoder = AWSEventStreamDecoder()
        #expect(throws: GatewayError.self) { try decoder.feed(frame) }
        var prelude = AWSEventStream.encode(headers: [], payload: [])
        prelude[2] = 0x7F
        var other = AWSEventStreamDecoder()
        #expect(throws: GatewayError.self) { try other.feed(prelude) }
    }

    @Test("without a config file, Bedrock registers from the AWS SDK variables, and only with a region and credentials")
    func environment() throws {
        let keys = try EnvironmentConfiguration.make(environment: ["AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s",
                                                                   "AWS_SESSION_TOKEN": "t"])
        let bedrock = try #require(keys.providers.first { $0.id == "bedrock" })
        #expect(bedrock.baseURL == "https://bedrock-runtime.eu-central-1.amazonaws.com")
        #expect(bedrock.region == "eu-central-1")
        #expect(bedrock.awsCredentials?.sessionToken?.revealed == "t")
        let bearer = try EnvironmentConfiguration.make(environment: ["AWS_DEFAULT_REGION": "us-west-2", "AWS_BEARER_TOKEN_BEDROCK": "br"])
        #expect(bearer.providers.first { $0.id == "bedrock" }?.apiKey?.revealed == "br")
        #expect(try EnvironmentConfiguration.make(environment: ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"]).providers.isEmpty)
        #expect(try EnvironmentConfiguration.make(environment: ["AWS_REGION": "us-east-1"]).providers.isEmpty)
    }

    @Test("configuration: region fills the base URL; access keys or an API key are required, both halves of a key pair")
    func configuration() throws {
        let yaml = """
            providers:
              - id: bedrock
                type: bedrock
                region: eu-west-3
                aws_access_key_id: AKIDEXAMPLE
                aws_secret_access_key: secret
                aws_session_token: ${TOKEN:-}
              - id: bedrock-key
                type: bedrock
                region: us-east-1
                api_key: br-key
            """
        let configuration = try ConfigurationValidator.load(yaml: yaml, environment: [:])
        #expect(configuration.providers[0].baseURL == "https://bedrock-runtime.eu-west-3.amazonaws.com")
        #expect(configuration.providers[0].awsCredentials?.accessKeyID == "AKIDEXAMPLE")
        #expect(configuration.providers[0].awsCredentials?.sessionToken == nil)
        #expect(configuration.providers[1].awsCredentials == nil)
        #expect(configuration.providers[1].credentialHeaders.map(\.1) == ["Bearer br-key"])

        let broken = """
            providers:
              - type: bedrock
                aws_access_key_id: AKIDEXAMPLE
              - id: b2
                type: bedrock
                region: us-east-1
              - type: openai
                api_key: sk
                region: us-east-1
            """
        do {
            _ = try ConfigurationValidator.load(yaml: broken, environment: [:])
            Issue.record("expected problems")
        } catch {
            let problems = error.problems.joined(separator: "\n")
            #expect(problems.contains("providers[0].region: required"))
            #expect(problems.contains("providers[0].aws_secret_access_key: required with aws_access_key_id"))
            #expect(problems.contains("providers[1]: give aws_access_key_id and aws_secret_access_key"))
            #expect(problems.contains("providers[2].region: only for AWS providers"))
        }
    }
}
