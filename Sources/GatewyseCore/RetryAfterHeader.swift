/// How long an upstream asks to be left alone, from its `retry-after` (seconds) and
/// `retry-after-ms` (Azure's milliseconds, finer, so preferred) headers: the one reading shared
/// by the failure classifier (the client's `Retry-After`) and the routing library (the retry
/// policy's wait, free-tier corrections), so the two can never disagree.
///
/// Total, as `UpstreamNumber` is: a value that is not plain decimal seconds — negative, `inf`,
/// `nan`, `1e30`, empty, text — is ignored; an absurd one is clamped to
/// `UpstreamNumber.maximumDelay`. HTTP-date values (RFC 9110 §10.2.3) are ignored: none of the
/// providers in the reference sends one, and honouring one would need the upstream's clock.
public enum RetryAfterHeader {
    /// Which of the two headers a name is.
    public enum Kind: Sendable { case seconds, milliseconds }

    /// The delay in seconds `headers` ask for, if any. Names are matched case-insensitively;
    /// a valid value is not undone by a later invalid one.
    public static func seconds(in headers: [(String, String)]) -> Double? {
        var seconds: Double?
        var milliseconds: Double?
        for (name, value) in headers {
            switch kind(of: name) {
            case .seconds: seconds = Self.seconds(.seconds, value) ?? seconds
            case .milliseconds: milliseconds = Self.seconds(.milliseconds, value) ?? milliseconds
            case nil: continue
            }
        }
        return milliseconds ?? seconds
    }

    /// One header's value as seconds, for callers that read several header families in one pass
    /// over the headers (`RateLimitHeaders`).
    public static func seconds(_ kind: Kind, _ value: String) -> Double? {
        switch kind {
        case .seconds: UpstreamNumber.delay(decimalSeconds: value[...])
        case .milliseconds: UpstreamNumber.delay(decimalMilliseconds: value[...])
        }
    }

    /// Which of the two headers `name` is, whatever its case; `nil` for any other header.
    public static func kind(of name: String) -> Kind? {
        let bytes = name.utf8
        guard bytes.count == 11 || bytes.count == 14, let first = bytes.first, first | 0x20 == UInt8(ascii: "r") else { return nil }
        if equalsIgnoringCase(bytes, "retry-after") { return .seconds }
        if equalsIgnoringCase(bytes, "retry-after-ms") { return .milliseconds }
        return nil
    }

    /// ASCII case-insensitive comparison with a lowercase literal, allocating nothing.
    private static func equalsIgnoringCase(_ bytes: String.UTF8View, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for (byte, wanted) in zip(bytes, expected) {
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            guard folded == wanted else { return false }
        }
        return true
    }
}
