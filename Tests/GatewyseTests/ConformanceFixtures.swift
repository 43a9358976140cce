import Foundation
import GatewyseCore
import Testing

/// One conformance test: a provider folder under `Fixtures/` and a case from `Fixtures/cases/`.
struct ConformancePair: Sendable, CustomTestStringConvertible {
    var provider: String
    var caseName: String
    var testDescription: String { "\(provider) × \(caseName)" }
}

/// Finds and reads the conformance fixtures. The directory is located from this file's path, so
/// the test target needs no resources (Package.swift stays as it is) and adding a fixture file
/// adds a test.
///
/// Layout (see `Fixtures/README.md`):
/// - `cases/<case>.json` — the OpenAI chat request a client sends;
/// - `<provider>/provider.json` — how the provider is configured for the suite;
/// - `<provider>/<case>.<kind>.<ext>` — what the adapter must send, what the upstream answers
///   and what the client must get (`kinds`).
enum ConformanceFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Every fixture file name a case may have, by suffix after `<case>.`.
    static let kinds: Set<String> = [
        "upstream-request.json", "upstream-response.json", "upstream-stream.txt", "upstream-stream.json",
        "upstream-error.json", "expected.json", "incompatible.json",
    ]

    static var caseNames: [String] {
        names(in: directory.appendingPathComponent("cases")).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static var providers: [String] {
        names(in: directory).filter { name in
            name != "cases" && FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).appendingPathComponent("provider.json").path)
        }.sorted()
    }

    /// Every provider × every case: a pair without fixtures fails instead of being skipped.
    static var allPairs: [ConformancePair] {
        providers.flatMap { provider in caseNames.map { ConformancePair(provider: provider, caseName: $0) } }
    }

    static func names(in folder: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    }

    static func url(_ provider: String, _ caseName: String, _ kind: String) -> URL {
        directory.appendingPathComponent(provider).appendingPathComponent("\(caseName).\(kind)")
    }

    static func exists(_ provider: String, _ caseName: String, _ kind: String) -> Bool {
        FileManager.default.fileExists(atPath: url(provider, caseName, kind).path)
    }

    static func bytes(_ file: URL) throws -> [UInt8] {
        Array(try Data(contentsOf: file))
    }

    static func json(_ file: URL) throws -> JSONValue {
        do { return try JSONParser.parse(try bytes(file)) } catch let error as JSONParser.SyntaxError {
            throw FixtureError("\(file.lastPathComponent): \(error.description)")
        }
    }

    static func json(_ provider: String, _ caseName: String, _ kind: String) throws -> JSONValue {
        try json(url(provider, caseName, kind))
    }

    static func request(_ caseName: String) throws -> JSONValue {
        try json(directory.appendingPathComponent("cases").appendingPathComponent("\(caseName).json"))
    }

    static func providerSettings(_ provider: String) throws -> JSONValue {
        try json(directory.appendingPathComponent(provider).appendingPathComponent("provider.json"))
    }

    /// `[["name", "value"], …]` → header pairs.
    static func headers(_ value: JSONValue?) throws -> [(String, String)] {
        guard let value else { return [] }
        guard let items = value.arrayValue else { throw FixtureError("headers must be a list of [name, value] pairs") }
        return try items.map { item in
            guard let pair = item.arrayValue, pair.count == 2, let name = pair[0].stringValue, let value = pair[1].stringValue else {
                throw FixtureError("a header must be [name, value], got \(JSONWriter.string(item))")
            }
            return (name, value)
        }
    }

    static func encodeHeaders(_ headers: [(String, String)]) -> JSONValue {
        .array(headers.map { [.string($0.0), .string($0.1)] })
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Compares JSON documents as values: object key order does not matter and numbers compare by
/// value (`1.0` equals `1`), everything else exactly. The answer names the first difference by
/// path, so a failing fixture says where it differs.
enum ConformanceJSON {
    static func difference(expected: JSONValue, actual: JSONValue, path: String = "$") -> String? {
        switch (expected, actual) {
        case (.number(let e), .number(let a)):
            return e == a || (Double(e) != nil && Double(e) == Double(a)) ? nil : "\(path): expected \(e), got \(a)"
        case (.object(let e), .object(let a)):
            for key in e.keys where a[key] == nil { return "\(path).\(key): missing (expected \(JSONWriter.string(e[key]!)))" }
            for key in a.keys where e[key] == nil { return "\(path).\(key): unexpected \(JSONWriter.string(a[key]!))" }
            for (key, value) in e {
                if let difference = difference(expected: value, actual: a[key]!, path: "\(path).\(key)") { return difference }
            }
            return nil
        case (.array(let e), .array(let a)):
            for (i, (x, y)) in zip(e, a).enumerated() {
                if let difference = difference(expected: x, actual: y, path: "\(path)[\(i)]") { return difference }
            }
            return e.count == a.count ? nil : "\(path): expected \(e.count) items, got \(a.count): \(JSONWriter.string(actual))"
        default:
            return expected == actual ? nil : "\(path): expected \(JSONWriter.string(expected)), got \(JSONWriter.string(actual))"
        }
    }

    /// Records an issue naming the first difference, with the whole actual value to compare.
    static func expectEqual(_ actual: JSONValue, _ expected: JSONValue, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let difference = difference(expected: expected, actual: actual) else { return }
        Issue.record("\(what) differs at \(difference)\nactual: \(JSONWriter.string(actual))", sourceLocation: sourceLocation)
    }
}
