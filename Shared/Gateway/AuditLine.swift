import Auth
import Formats
import Hummingbird
import Logging
import Wire

/// One audit line in the gateway's log: who (the key's name and role) called
/// which route, on which path, with what status. Logged at `notice` for
/// every change and every read of packet bytes or of a capture file
/// (`APIRoute.isAudited`), and for every request refused for its role.
struct AuditLine {
    var holder: APIKeyHolder
    var method: String
    /// The route's pattern, e.g. `/api/v1/captures/{id}/pcap`.
    var route: String
    /// The path asked for, e.g. `/api/v1/captures/7/pcap` (no query: it may hold a search's indicators).
    var path: String

    func log(status: Int, _ logger: Logger) {
        logger.notice("audit", metadata: [
            "audit.key": .string(holder.name), "audit.role": .string(holder.role.rawValue),
            "audit.method": .string(method), "audit.route": .string(route), "audit.path": .string(path),
            "audit.status": .stringConvertible(status),
        ])
    }

    /// Logs a refusal and returns it, to throw.
    func refused(_ error: APIError, _ logger: Logger) -> APIError {
        log(status: error.status.code, logger)
        return error
    }
}
