/// What an API key may do (docs/API.md, "Roles"). Each route of the API
/// names the roles it admits; a key has exactly one role.
public enum APIRole: String, CaseIterable, Codable, Hashable, Sendable, CustomStringConvertible {
    /// Everything, including what later changes the installation.
    case admin
    /// Reads, searches, background searches, hunts and exports.
    case analyst
    /// Reads only (packet bytes and capture files included).
    case viewer
    /// Telemetry ingest and reading alerts; today only `/info`.
    case sensor

    public var description: String { rawValue }
}

/// Who holds a live API key (its name) and what it may do.
public struct APIKeyHolder: Codable, Hashable, Sendable {
    public var name: String
    public var role: APIRole

    public init(name: String, role: APIRole) {
        self.name = name
        self.role = role
    }
}
