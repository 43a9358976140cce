import GatewyseCore
import Testing

/// Hostile bodies: many keys (duplicate detection must stay linear and correct past the small
/// objects' scan), deep nesting (a `SyntaxError` naming the limit, not a stack overflow), and
/// ill-formed UTF-8 (refused, wherever in a string it sits).
@Suite("JSON parser limits")
struct JSONParserLimitsTests {
    static func object(keys: some Sequence<Int>, value: (Int) -> String = { String($0) }) -> String {
        "{" + keys.map { #""k\#($0)":\#(value($0))"# }.joined(separator: ",") + "}"
    }

    @Test("100,000 distinct keys all arrive, in order")
    func manyDistinctKeys() throws {
        let parsed = try #require(try JSONParser.parse(Self.object(keys: 0..<100_000)).objectValue)
        #expect(parsed.count == 100_000)
        #expect(parsed.entries.enumerated().allSatisfy { i, entry in entry.key == "k\(i)" && entry.value == .number(String(i)) })
        #expect(parsed["k99999"] == 99_999)
    }

    @Test("a repeated key is found wherever it sits: the last value wins, the first position stays", arguments: [
        // (members before the repeats, which keys repeat)
        (3, [1]), (16, [0]), (17, [16, 0]), (1_000, [3, 999, 500]), (100_000, [0, 50_000, 99_999]),
    ])
    func duplicatesAtAnySize(count: Int, repeated: [Int]) throws {
        let body = String(Self.object(keys: 0..<count).dropLast()) + "," + repeated.map { #""k\#($0)":"again""# }.joined(separator: ",") + "}"
        let parsed = try #require(try JSONParser.parse(body).objectValue)
        #expect(parsed.count == count)
        for key in repeated {
            #expect(parsed["k\(key)"] == "again")
            #expect(parsed.entries[key].key == "k\(key)")
        }
        #expect(parsed.entries.filter { $0.value == "again" }.count == repeated.count)
    }

    @Test("a located top-level key repeated past the scan limit is reported as ambiguous")
    func locatedKeyRepeated() throws {
        let body = Array((String(Self.object(keys: 0..<40).dropLast()) + #","k0":"x"}"#).utf8)
        let located = try body.withUnsafeBufferPointer { try JSONParser.parse(buffer: $0, locatingTopLevel: "k0").1 }
        #expect(located == nil)
        let once = Array(Self.object(keys: 0..<40).utf8)
        let range = try once.withUnsafeBufferPointer { try JSONParser.parse(buffer: $0, locatingTopLevel: "k39").1 }
        #expect(range.map { String(decoding: once[$0], as: UTF8.self) } == "39")
    }

    @Test("100,000 opening brackets or braces fail with the depth limit, in the parser and the skimmer", arguments: [
        String(repeating: "[", count: 100_000), String(repeating: #"{"a":"#, count: 100_000), String(repeating: "[{\"a\":", count: 50_000),
    ])
    func deepNesting(body: String) {
        do {
            _ = try JSONParser.parse(body)
            Issue.record("parsed a body nested 100,000 deep")
        } catch {
            #expect(error.reason.contains("\(JSONParser.maximumDepth)"), "\(error)")
            #expect(error.description.contains("nesting deeper than 256"))
        }
        let wrapped = Array((#"{"usage":"# + body).utf8)
        #expect(throws: JSONParser.SyntaxError.self) {
            try wrapped.withUnsafeBufferPointer { try JSONSkimmer.topLevelValues(in: $0, keys: ["usage"]) }
        }
    }

    @Test("nesting exactly at the limit parses; one more level does not")
    func depthBoundary() throws {
        let limit = JSONParser.maximumDepth
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        _ = try JSONParser.parse(nested(limit))
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(nested(limit + 1)) }
        func nestedObjects(_ depth: Int) -> String { String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1) }
        _ = try JSONParser.parse(nestedObjects(limit))
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(nestedObjects(limit + 1)) }
    }

    @Test("ill-formed UTF-8 is refused in values and keys, with and without escapes", arguments: [
        [0xC0, 0xAF],             // overlong '/'
        [0xE0, 0x80, 0xAF],       // overlong, three bytes
        [0xED, 0xA0, 0x80],       // a UTF-16 surrogate encoded as UTF-8
        [0xE2, 0x82],             // truncated sequence
        [0x80],                   // lone continuation byte
        [0xF5, 0x80, 0x80, 0x80], // beyond U+10FFFF
        [0xFF],
    ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        let quote: [UInt8] = [0x22]
        let escape = Array(#"\n"#.utf8)
        let bodies: [[UInt8]] = [
            quote + bytes + quote,
            quote + escape + bytes + quote,
            Array(#"{""#.utf8) + bytes + Array(#"":1}"#.utf8),
            Array(#"{"a":["#.utf8) + quote + Array("ok".utf8) + bytes + escape + quote + Array("]}".utf8),
        ]
        for body in bodies {
            do {
                _ = try JSONParser.parse(body)
                Issue.record("accepted ill-formed UTF-8: \(body)")
            } catch {
                #expect(error.reason.contains("UTF-8"), "\(error)")
            }
        }
    }

    /// Found by `tests/fuzz/run.sh json`: the skimmer let unpaired surrogate escapes through, so
    /// the verbatim path could forward an answer the gateway's own parser refuses.
    @Test("the skimmer refuses the escapes the parser refuses", arguments: [
        #"{"s":"\ud83d"}"#, #"{"s":"\ud83dx"}"#, #"{"s":"\ude00"}"#, #"{"s":"\ud83d\u0041"}"#, #"{"\udc00":1}"#, #"{"usage":["\ud800"]}"#,
    ])
    func skimmerSurrogates(body: String) {
        let bytes = Array(body.utf8)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(bytes) }
        #expect(throws: JSONParser.SyntaxError.self) {
            try bytes.withUnsafeBufferPointer { try JSONSkimmer.topLevelValues(in: $0, keys: ["usage"]) }
        }
        let paired = Array(#"{"s":"\ud83d\ude00","usage":{}}"#.utf8)
        #expect(throws: Never.self) { try paired.withUnsafeBufferPointer { try JSONSkimmer.topLevelValues(in: $0, keys: ["usage"]) } }
    }

    @Test("well-formed multi-byte UTF-8 is kept as it is")
    func validUTF8() throws {
        #expect(try JSONParser.parse(#"{"é":"€ 😀 \n ü"}"#) == ["é": "€ 😀 \n ü"])
    }

    @Test("a large parsed object finds its keys by position, and stays right through setting, removing and appending")
    func largeObjectLookups() throws {
        let members = (0..<100).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        guard case .object(var object) = try JSONParser.parse("{" + members + #","k7":"last wins"}"#) else { Issue.record("not an object"); return }
        #expect(object.count == 100)
        #expect(object["k7"] == "last wins" && object["k99"] == 99 && object["k100"] == nil)
        object["k100"] = "added"
        object.appendUnique("k101", "appended")
        #expect(object["k100"] == "added" && object["k101"] == "appended" && object.count == 102)
        object["k3"] = nil
        #expect(object["k3"] == nil && object["k4"] == 4 && object["k101"] == "appended" && object.count == 101)
        object["k5"] = "replaced"
        #expect(object["k5"] == "replaced" && object.entries.firstIndex { $0.key == "k5" } == 4)
    }
}

