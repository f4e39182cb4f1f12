import Logging
import Messaging
import Wire

/// Removes exports older than `maxAge` every minute, so a directory nobody
/// cleans does not fill its disk. Run `loop` on a thread of its own.
public enum ExportSweeper {
    public static func loop(_ exports: ExportDirectory, maxAge: Duration, logger: Logger) -> PeriodicLoop {
        PeriodicLoop(every: .seconds(60)) {
            let removed = exports.removeExports(olderThan: maxAge)
            if !removed.isEmpty {
                logger.info("old exports removed", metadata: [
                    "count": "\(removed.count)", "exports_max_age_hours": "\(maxAge.components.seconds / 3600)",
                ])
            }
        }
    }
}
