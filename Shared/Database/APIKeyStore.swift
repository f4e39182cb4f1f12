import Auth
import Formats
import Foundation
import PostgresClient

/// The `api_keys` table. Blocking (libpq): run it on a thread of its own.
public struct APIKeyStore {
    public struct Entry: Hashable, Sendable {
        public var id: Int64
        public var name: String
        public var role: APIRole
        public var createdAt: String
        public var revokedAt: String?
    }

    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Makes a key named `name` with `role`; returns its id and the key, which is shown only now.
    public func create(name: String, role: APIRole) throws -> (id: Int64, key: APIKey) {
        let key = APIKey.generate()
        let result = try connection.query(
            "INSERT INTO api_keys (name, key_hash, role) VALUES ($1, $2::bytea, $3) RETURNING id",
            [name, Self.byteaText(key.hash), role.rawValue])
        guard let id = result.row(0)?.int64(0) else {
            throw PostgresError(kind: .unexpectedResult, message: "no api key id returned")
        }
        return (id, key)
    }

    public func list() throws -> [Entry] {
        try connection.query("SELECT id, name, role, created_at::text, revoked_at::text FROM api_keys ORDER BY id").rows.map {
            Entry(id: Int64($0[0] ?? "") ?? 0, name: $0[1] ?? "", role: try Self.role($0[2] ?? nil),
                  createdAt: $0[3] ?? "", revokedAt: $0[4] ?? nil)
        }
    }

    /// Revokes a key; false when there is no such key or it was revoked before.
    public func revoke(id: Int64) throws -> Bool {
        try connection.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                             [id]).affectedRows == 1
    }

    /// The live key `key` is (its id and holder), or nil. The stored hash is
    /// compared in constant time.
    public func verify(_ key: APIKey) throws -> (id: Int64, holder: APIKeyHolder)? {
        try verify(hash: key.hash)
    }

    /// The live key whose SHA-256 is `hash`, or nil.
    public func verify(hash: [UInt8]) throws -> (id: Int64, holder: APIKeyHolder)? {
        guard hash.count == 32 else { return nil }
        let result = try connection.query("""
            SELECT id, encode(key_hash, 'hex'), name, role FROM api_keys
            WHERE key_hash = $1::bytea AND revoked_at IS NULL
            """, [Self.byteaText(hash)])
        guard let row = result.row(0), let id = row.int64(0), let stored = row.string(1).flatMap(Self.bytes(hex:)),
              constantTimeEquals(stored, hash) else { return nil }
        return (id, APIKeyHolder(name: row.string(2) ?? "", role: try Self.role(row.string(3))))
    }

    /// A stored role; the table's CHECK admits only the four.
    static func role(_ text: String?) throws -> APIRole {
        guard let role = text.flatMap(APIRole.init(rawValue:)) else {
            throw PostgresError(kind: .unexpectedResult,
                                message: "api key role \(text ?? "NULL") is not one of \(APIRole.allCases)")
        }
        return role
    }

    public static func byteaText(_ bytes: [UInt8]) -> String {
        "\\x" + hex(bytes)
    }

    public static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let byte = UInt8(String(decoding: utf8[index ..< index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
