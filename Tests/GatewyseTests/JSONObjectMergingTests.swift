import GatewyseCore
import GatewyseProviders
import Testing

/// `merge` and `==` index keys past a few members; they must still mean exactly what key-by-key
/// assignment and order-insensitive comparison mean.
@Suite("JSON objects: merging and equality at any size")
struct JSONObjectMergingTests {
    static func object(_ keys: some Sequence<Int>, tag: String) -> JSONObject {
        var out = JSONObject()
        for key in keys { out.appendUnique("k\(key)", .string("\(tag)\(key)")) }
        return out
    }

    /// What `merge` promises, spelled out key by key.
    static func assignedOneByOne(_ base: JSONObject, _ other: JSONObject) -> JSONObject {
        var out = base
        for (key, value) in other { out[key] = value }
        return out
    }

    @Test("merge is key-by-key assignment: existing keys keep their place, new ones follow in order", arguments: [
        (0..<3, 2..<5), (0..<10, 5..<12), (0..<40, 20..<90), (0..<1_000, 999..<2_000), (0..<0, 0..<50),
    ])
    func mergeMatchesAssignment(base: Range<Int>, other: Range<Int>) {
        var merged = Self.object(base, tag: "a")
        let incoming = Self.object(other.reversed(), tag: "b")
        merged.merge(incoming)
        let expected = Self.assignedOneByOne(Self.object(base, tag: "a"), incoming)
        #expect(merged.keys == expected.keys)
        #expect(merged.entries.map(\.value) == expected.entries.map(\.value))
    }

    @Test("equality ignores order and notices any differing value, at any size", arguments: [3, 16, 17, 5_000])
    func equality(size: Int) {
        let forward = Self.object(0..<size, tag: "v")
        let backward = Self.object((0..<size).reversed(), tag: "v")
        #expect(forward == backward)
        var changed = backward
        changed["k\(size / 2)"] = "other"
        #expect(forward != changed)
        var renamed = Self.object(0..<(size - 1), tag: "v")
        renamed["zz"] = .string("v\(size - 1)")
        #expect(forward != renamed)
    }

    @Test("a request's 100,000 unknown fields all reach the upstream body, after the known ones")
    func manyExtraFields() throws {
        let fields = (0..<100_000).map { #""x\#($0)":\#($0)"# }.joined(separator: ",")
        let request = try OpenAIChatWire.decodeRequest(try JSONParser.parse(#"{"model":"m","messages":[{"role":"user","content":"hi"}],\#(fields)}"#))
        let body = OpenAIChatWire.encodeRequest(request, model: "upstream")
        #expect(body.count == 100_002)
        #expect(body.keys.prefix(2) == ["model", "messages"])
        #expect(body["x99999"] == 99_999)
    }
}
