import Foundation
import GatewyseCore
import Testing

/// The parser's and the skimmer's string scan reads eight bytes at a time
/// (`JSONParser.Cursor.stringRunEnd`): every position of a quote, backslash, control character
/// or non-ASCII byte relative to the eight-byte words must read as the byte-at-a-time scan did.
@Suite("JSON string scan")
struct JSONStringScanTests {
    /// A string of `length` plain ASCII bytes with `special` at `position`, as JSON text.
    static func document(length: Int, special: String, at position: Int) -> String {
        let plain = (0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }
        var text = String(plain)
        text.insert(contentsOf: special, at: text.index(text.startIndex, offsetBy: position))
        return "{\"k\":\"" + text + "\",\"after\":[1]}"
    }

    @Test("every position of an escape, a multi-byte character or the end in strings of 0 to 40 bytes reads as Foundation reads it",
          arguments: [#"\""#, #"\\"#, #"\n"#, #"\u00e9"#, "é", "😀", "~", "\u{7F}"])
    func specialsAtEveryPosition(special: String) throws {
        for length in 0...40 {
            for position in 0...length {
                let text = Self.document(length: length, special: special, at: position)
                let expected = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                let parsed = try JSONParser.parse(text)
                #expect(parsed["k"]?.stringValue == expected?["k"] as? String, "length \(length), at \(position)")
                #expect(parsed["after"] == .array([.number("1")]))
                let bytes = Array(text.utf8)
                let members = try bytes.withUnsafeBufferPointer { try JSONSkimmer.topLevelValues(in: $0, keys: ["after"]) }
                #expect(members.first??.count == 3, "length \(length), at \(position)")
            }
        }
    }

    @Test("a raw control character or an unterminated string is refused wherever it falls", arguments: 0...24)
    func refusals(position: Int) {
        let control = Self.document(length: 24, special: "\u{01}", at: position)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(control) }
        #expect(throws: JSONParser.SyntaxError.self) {
            try Array(control.utf8).withUnsafeBufferPointer { try JSONSkimmer.topLevelValues(in: $0, keys: ["after"]) }
        }
        let unterminated = "{\"k\":\"" + String(repeating: "a", count: position)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(unterminated) }
        #expect(throws: JSONParser.SyntaxError.self) {
            try Array(unterminated.utf8).withUnsafeBufferPointer { try JSONSkimmer.topLevelValues(in: $0, keys: ["after"]) }
        }
    }

    @Test("invalid UTF-8 after a run of ASCII is still refused")
    func invalidUTF8AfterASCII() {
        for length in 0...20 {
            let bytes = Array("{\"k\":\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: length) + [0xC3, 0x28] + Array("\"}".utf8)
            #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test("the writer escapes a quote, a backslash or a control character at every position of strings of 0 to 40 bytes",
          arguments: ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "😀", "\u{7F}"])
    func writerEscapesAtEveryPosition(special: String) throws {
        for length in 0...40 {
            for position in 0...length {
                var text = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
                text.insert(contentsOf: special, at: text.index(text.startIndex, offsetBy: position))
                var out: [UInt8] = []
                JSONWriter.writeString(text, into: &out)
                let decoded = try JSONSerialization.jsonObject(with: Data(out), options: .fragmentsAllowed) as? String
                #expect(decoded == text, "length \(length), at \(position)")
                #expect(!out.dropFirst().dropLast().contains { $0 < 0x20 }, "no raw control byte written")
            }
        }
    }
}
