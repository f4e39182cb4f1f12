import Foundation
import Logging
import ServiceLifecycle

/// The body of a daemon's `main`: runs `services` in a `ServiceGroup`
/// until one ends or SIGTERM/SIGINT asks for a graceful shutdown, which
/// stops the services in reverse order.
public enum ServiceMain {
    public static func run(name: String, logger: Logger, services: [any Service]) async throws {
        // Files and directories a service makes (pcap segments, exports,
        // logs) are its user's alone: traffic is not for other local users.
        umask(0o077)
        let group = ServiceGroup(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        logger.info("service starting", metadata: [
            "service": .string(name),
            "services": .array(services.map { .string(String(describing: $0)) }),
        ])
        do {
            try await group.run()
        } catch {
            logger.error("service stopped with an error", metadata: [
                "service": .string(name), "error": .string(String(describing: error)),
            ])
            throw error
        }
        logger.info("service stopped", metadata: ["service": .string(name)])
    }
}
