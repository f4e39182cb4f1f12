import Foundation
import ServiceLifecycle

/// Runs a blocking loop (a ZeroMQ socket, a libpq connection) on a thread
/// of its own, never on the cooperative pool, as a `Service`.
///
/// On graceful shutdown or cancellation `stop` is called from another
/// thread; it must make `run` flush and return. `stop` may be called more
/// than once, and before `run` has started (the loop should then return at
/// once), so make it idempotent, e.g. a flag the loop checks. An error
/// thrown by `run` is thrown by the service, which ends the group.
public struct BlockingLoopService: Service, CustomStringConvertible {
    public let name: String
    private let body: @Sendable () throws -> Void
    private let stopLoop: @Sendable () -> Void

    public init(name: String, run: @escaping @Sendable () throws -> Void, stop: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = run
        self.stopLoop = stop
    }

    public func run() async throws {
        let body = self.body
        let name = self.name
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread {
                    ThreadName.setCurrent(name)
                    continuation.resume(with: Result { try body() })
                }
                thread.start()
            }
        } onCancelOrGracefulShutdown: { [stopLoop] in
            stopLoop()
        }
    }

    public var description: String { name }
}
