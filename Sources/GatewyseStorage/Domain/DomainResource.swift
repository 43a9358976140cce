import Foundation

/// A control-plane record stored as a document of its kind (decisions/0007). The typed store
/// API (`ControlPlaneStore+Domain.swift`) encodes and decodes these; backends only see
/// `StoredResource`.
public protocol DomainResource: Codable, Sendable, Equatable {
    static var kind: ResourceKind { get }
    var id: String { get }
    /// The owning tenant; `SystemScope.tenantID` for resources that belong to none.
    var tenantID: String { get }
    /// Unique among resources of this kind across every tenant, when the domain needs it.
    var uniqueKey: String? { get }
}

extension DomainResource {
    public var uniqueKey: String? { nil }

    /// The stored form, stamped with the given times.
    public func stored(createdAt: Int64, updatedAt: Int64, version: Int64 = 1) throws -> StoredResource {
        let body = String(decoding: try DomainCoding.encoder.encode(self), as: UTF8.self)
        return StoredResource(kind: Self.kind, tenantID: tenantID, id: id, uniqueKey: uniqueKey, body: body,
                              version: version, createdAt: createdAt, updatedAt: updatedAt)
    }

    public init(stored: StoredResource) throws {
        do {
            self = try DomainCoding.decoder.decode(Self.self, from: Data(stored.body.utf8))
        } catch {
            throw StoreError.corrupt("\(Self.kind.rawValue) '\(stored.id)'")
        }
    }
}

/// The one encoder and decoder of stored documents: sorted keys, so that equal records store
/// equal bytes.
enum DomainCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    static let decoder = JSONDecoder()
}

/// Where a record came from: the configuration file (re-imported at every start, read-only
/// through the API: 409 `CONFIG_MANAGED`) or the admin API / CLI.
public enum RecordSource: String, Sendable, Codable {
    case config
    case api
}
