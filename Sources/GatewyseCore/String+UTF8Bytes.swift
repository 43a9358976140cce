extension String {
    /// The string's UTF-8 bytes, read in place when it is native (nearly always: the gateway's
    /// strings come from its own decoders). Why not `withUTF8`: it is mutating, so calling it on
    /// a `let` took a copy of the string — a retain and a release per call, on paths that run
    /// it per field of every request (key digests, JSON strings, journal lines, SQLite binds).
    @inlinable
    public func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}
