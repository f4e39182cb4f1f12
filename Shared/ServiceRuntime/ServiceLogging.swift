import Configurations
import Logging
import NIOConcurrencyHelpers

/// Process-wide logging setup for a NetSift daemon.
public enum ServiceLogging {
    private static let bootstrapped = NIOLockedValueBox(false)

    /// Makes every `Logger` write JSON lines to standard error through
    /// `JSONLogHandler`. swift-log allows one bootstrap per process: the
    /// first call wins and later calls do nothing.
    public static func bootstrap(service: String, level: Logger.Level) {
        bootstrapped.withLockedValue { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { _ in JSONLogHandler(service: service, level: level) }
        }
    }

    /// Bootstraps logging at the configuration's `log_level` and returns
    /// the service's logger, `netsift.<service>`.
    public static func start<C: ServiceConfiguration>(_ configuration: C) -> Logger {
        bootstrap(service: C.service, level: Logger.Level(configuration.logLevel))
        return Logger(label: "netsift.\(C.service)")
    }
}
