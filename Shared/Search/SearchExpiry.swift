import Logging
import Messaging
import PostgresClient
import Wire

/// Deletes finished background searches (and their results) older than
/// `ttl` every minute, on a connection of its own (made on the loop's
/// thread at the first pass, again after a failure). Run `loop` on a thread of its own.
public enum SearchExpiry {
    public static func loop(conninfo: String, ttl: Duration, logger: Logger) -> PeriodicLoop {
        let connection = Locked<PostgresConnectionBox?>(nil)
        return PeriodicLoop(every: .seconds(60)) {
            // A failed pass is logged and tried again next time, on a new connection.
            do {
                let box = try connection.get() ?? PostgresConnectionBox(try PostgresConnection(conninfo: conninfo))
                connection.set(box)
                let removed = try SearchEngine.expireSearches(olderThan: ttl, on: box.connection)
                if removed > 0 {
                    logger.info("expired searches removed", metadata: [
                        "count": "\(removed)", "search_ttl_hours": "\(ttl.components.seconds / 3600)",
                    ])
                }
            } catch {
                connection.set(nil)
                logger.warning("cannot expire searches", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// A connection used by one thread at a time (the loop's), passed as Sendable.
final class PostgresConnectionBox: @unchecked Sendable {
    let connection: PostgresConnection
    init(_ connection: PostgresConnection) { self.connection = connection }
}
