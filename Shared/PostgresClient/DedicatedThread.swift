import Foundation

/// Runs blocking work (libpq calls) on a thread of its own, so it never
/// occupies one of the cooperative pool's few threads.
public enum DedicatedThread {
    /// Runs `body` on a new thread and resumes with its result. Create and
    /// use a `PostgresConnection` inside `body`; it must not escape.
    public static func run<T: Sendable>(name: String = "netsift-blocking",
                                        _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = name
            thread.start()
        }
    }
}
