import GatewyseCore
import Testing

/// The multipart reader behind the audio uploads: the parts the openai SDK (httpx) writes, read
/// in place; the `model` part spliced; and hostile bodies refused with a reason, never a trap.
@Suite("Multipart forms: reading in place, splicing, hostile input")
struct MultipartFormTests {
    static let boundary = "b7e1c0a5d3f24e8c9a6b"

    /// A form as httpx writes it: text fields, then the file.
    static func form(_ fields: [(String, String)], file: [UInt8]? = Array("RIFF....WAVE".utf8), filename: String = "a b\".wav") -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            let escaped = filename.replacingOccurrences(of: "\"", with: "\\\"")
            out += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(escaped)\"\r\nContent-Type: audio/wav\r\n\r\n".utf8)
            out += file + Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    @Test func boundaryFromContentType() {
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(MultipartForm.boundary(contentType: "Multipart/Form-Data;boundary=\"a b\"") == "a b")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=x") == "x")
        #expect(MultipartForm.boundary(contentType: "multipart/form-data") == nil)
        #expect(MultipartForm.boundary(contentType: "application/json; boundary=abc") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil)
        #expect(MultipartForm.boundary(contentType: nil) == nil)
    }

    @Test func readsFieldsAndFileInPlace() throws {
        let file: [UInt8] = [0, 1, 2, 0x0D, 0x0A, 0x2D, 0x2D, 255]  // bytes that look like a line and dashes
        let body = Self.form([("model", "whisper-1"), ("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "segment")], file: file)
        let form = try MultipartForm(body: body, boundary: Self.boundary)
        #expect(form.parts.map(\.name) == ["model", "timestamp_granularities[]", "timestamp_granularities[]", "file"])
        #expect(form.text("model", in: body) == "whisper-1")
        #expect(form.parts(named: "timestamp_granularities[]").count == 2)
        let part = try #require(form.part(named: "file"))
        #expect(part.filename == "a b\".wav")
        #expect(part.contentType == "audio/wav")
        #expect(Array(body[part.valueRange]) == file)
    }

    @Test func splicesTheModelKeepingEverythingElse() throws {
        let body = Self.form([("model", "alias"), ("language", "en")])
        let form = try MultipartForm(body: body, boundary: Self.boundary)
        let spliced = form.replacingValue(of: "model", with: "whisper-large-v3", in: body)
        #expect(spliced == Self.form([("model", "whisper-large-v3"), ("language", "en")]))
        let reread = try MultipartForm(body: spliced, boundary: Self.boundary)
        #expect(reread.text("model", in: spliced) == "whisper-large-v3")
        #expect(Array(spliced[reread.part(named: "file")!.valueRange]) == Array("RIFF....WAVE".utf8))
    }

    @Test func rebuildsWithNewFieldsAndKeptPartsAsTheyCame() throws {
        let body = Self.form([("model", "alias"), ("language", "en"), ("prompt", "p")])
        let form = try MultipartForm(body: body, boundary: Self.boundary)
        let kept = [form.part(named: "file")!]
        let rebuilt = try #require(form.rebuilt(fields: [("model_id", "scribe_v1"), ("language_code", "en")], keeping: kept, from: body))
        #expect(rebuilt == Self.form([("model_id", "scribe_v1"), ("language_code", "en")]))
        // A value carrying the boundary would end its part early: refused.
        #expect(form.rebuilt(fields: [("model_id", "x\r\n--\(Self.boundary)")], keeping: kept, from: body) == nil)
        #expect(form.rebuilt(fields: [("a\"b", "x")], keeping: kept, from: body) == nil)
    }

    @Test func appendsAFieldTheFormLacks() throws {
        let body = Self.form([("language", "en")])
        let form = try MultipartForm(body: body, boundary: Self.boundary)
        let added = form.replacingValue(of: "model", with: "m", in: body)
        let reread = try MultipartForm(body: added, boundary: Self.boundary)
        #expect(reread.text("model", in: added) == "m")
        #expect(reread.parts.count == 3)
    }

    @Test func preambleAndEpilogueAreIgnored() throws {
        let body = Array("ignored preamble\r\n".utf8) + Self.form([("model", "m")]) + Array("epilogue".utf8)
        #expect(try MultipartForm(body: body, boundary: Self.boundary).text("model", in: body) == "m")
    }

    @Test(arguments: [
        ("", "delimiter"),
        ("no delimiter at all", "delimiter"),
        ("--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm", "not closed"),
        ("--B\r\nContent-Disposition: form-data; name=\"model\"\r\n", "ends before its headers"),
        ("--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm\r\n--B", "closing"),
        ("--B\r\nContent-Type: text/plain\r\n\r\nm\r\n--B--", "no Content-Disposition name"),
        ("--B\r\nnot a header\r\n\r\nm\r\n--B--", "without ':'"),
        ("--Bjunk\r\n", "closing"),
    ])
    func hostileBodiesAreRefusedWithAReason(body: String, reason: String) {
        #expect(throws: MultipartForm.Failure.self) { try MultipartForm(body: Array(body.utf8), boundary: "B") }
        do { _ = try MultipartForm(body: Array(body.utf8), boundary: "B") } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    /// Found by the fuzzer: a delimiter right after a part's blank line, sharing its CRLF, must
    /// not make an empty value that sits inside the delimiter (splicing there broke the form).
    @Test func blankLineDoesNotOpenTheDelimiter() throws {
        let body = Array("--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n--B\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--B--".utf8)
        let form = try MultipartForm(body: body, boundary: "B")
        let spliced = form.replacingValue(of: "model", with: "whisper-large-v3", in: body)
        let reread = try MultipartForm(body: spliced, boundary: "B")
        #expect(reread.parts.map(\.name) == form.parts.map(\.name))
        #expect(reread.text("model", in: spliced) == "whisper-large-v3")
    }

    @Test func hugePartHeadersAreRefused() {
        let body = Array("--B\r\nX-Junk: ".utf8) + [UInt8](repeating: 0x61, count: 100_000) + Array("\r\n\r\nv\r\n--B--".utf8)
        do {
            _ = try MultipartForm(body: body, boundary: "B")
            Issue.record("accepted 100 KB of part headers")
        } catch {
            #expect(error.description.contains("headers longer than"))
        }
    }

    @Test func tooManyPartsAreRefused() {
        var body: [UInt8] = []
        for i in 0...MultipartForm.maximumParts { body += Array("--B\r\nContent-Disposition: form-data; name=\"f\(i)\"\r\n\r\nv\r\n".utf8) }
        body += Array("--B--".utf8)
        #expect(throws: MultipartForm.Failure.self) { try MultipartForm(body: body, boundary: "B") }
    }

    /// Every prefix of a valid form, and random bytes after a delimiter: refused or read, never a trap.
    @Test func truncationsAndNoiseNeverTrap() {
        let body = Self.form([("model", "whisper-1"), ("response_format", "srt")])
        for length in 0...body.count { _ = try? MultipartForm(body: Array(body[..<length]), boundary: Self.boundary) }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            var noisy = Array("--B".utf8)
            for _ in 0..<64 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let pick = Int(seed >> 59)
                noisy += pick < 4 ? Array("\r\n".utf8) : pick < 6 ? Array("--B".utf8) : pick < 8 ? Array(":\"=;".utf8) : [UInt8(truncatingIfNeeded: seed >> 32)]
            }
            _ = try? MultipartForm(body: noisy, boundary: "B")
        }
    }

    @Test func wavDuration() {
        func wav(rate: Int, seconds: Double) -> [UInt8] {
            func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
            let data = Int(Double(rate * 2) * seconds)
            return Array("RIFF".utf8) + le32(36 + data) + Array("WAVEfmt ".utf8) + le32(16) + [1, 0, 1, 0] + le32(rate) + le32(rate * 2)
                + [2, 0, 16, 0] + Array("data".utf8) + le32(data) + [UInt8](repeating: 0, count: data)
        }
        #expect(AudioDuration.milliseconds(ofWAV: wav(rate: 16_000, seconds: 1.5)[...]) == 1_500)
        #expect(AudioDuration.milliseconds(ofWAV: Array("ID3 not a wav".utf8)[...]) == nil)
        let truncated = wav(rate: 16_000, seconds: 2)
        #expect(AudioDuration.milliseconds(ofWAV: truncated[..<(44 + 16_000)]) == 500)  // counts the bytes present
        for length in 0..<60 { _ = AudioDuration.milliseconds(ofWAV: truncated[..<length]) }
        var lying = wav(rate: 16_000, seconds: 0.1)
        lying[16] = 0xFF; lying[17] = 0xFF; lying[18] = 0xFF; lying[19] = 0x7F  // fmt size absurd
        _ = AudioDuration.milliseconds(ofWAV: lying[...])
    }
}
