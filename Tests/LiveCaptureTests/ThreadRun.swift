import Foundation

/// Runs a blocking body on its own thread (not the concurrency pool, which a
/// blocked `next()` would starve) and lets the test wait for its value.
final class ThreadRun<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    // Written once by the thread before `done.signal()`, read only after a
    // successful `done.wait`: the semaphore orders the two.
    private var value: Value?

    init(_ body: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            value = body()
            done.signal()
        }
        thread.start()
    }

    /// The body's value, or nil if it has not finished within `seconds`.
    func wait(seconds: Double) -> Value? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        done.signal()   // later waits succeed at once
        return value
    }
}
