import Database
import Foundation
import PostgresClient

/// Commits prepared batches on worker threads, each with its own
/// PostgreSQL connection, so transactions overlap (PostgreSQL uses both
/// cores while the loop writes the next batch's frames).
///
/// A producer's batches always go to the same worker, in order: one
/// decoder's flows are its own (sensors shard by address pair), so two
/// workers never update the same flow rows, and rows shared by all —
/// segments, then the capture — are locked in id order by every
/// transaction. That keeps the workers free of deadlocks.
public final class CommitPool: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `condition`.
    public struct Report: Sendable {
        public var committed: Bool
        public var seconds: Double
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        /// Not the batch's fault — the database could not be reached, had no
        /// room (a full disk, no memory) or was shutting down: the batch is
        /// tried again for as long as it takes, never refused for it.
        public var isTransient: Bool

        /// SQLSTATE classes of such failures: 08 connection, 53 insufficient
        /// resources (53100 disk full), 57P shutdown, 58030 I/O error.
        static func isTransient(_ error: PostgresError) -> Bool {
            guard error.kind != .connection else { return true }
            guard let state = error.sqlState else { return false }
            return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") || state == "58030"
        }
    }

    public struct Outcome: Sendable {
        public var prepared: PreparedBatch
        public var result: Result<Report, Failure>
    }

    public let workers: Int
    private let conninfo: String
    private let condition = NSCondition()
    private var queues: [[PreparedBatch]]
    private var busy: [Bool]
    private var outcomes: [Outcome] = []
    private var assignment: [UUID: Int] = [:]
    private var nextWorker = 0
    private var closed = false
    private let finished = DispatchGroup()

    public init(conninfo: String, workers: Int) {
        self.conninfo = conninfo
        self.workers = max(1, workers)
        queues = Array(repeating: [], count: self.workers)
        busy = Array(repeating: false, count: self.workers)
        for index in 0 ..< self.workers {
            finished.enter()
            let thread = Thread { [self] in
                work(index)
                finished.leave()
            }
            thread.name = "netsift-commit-\(index)"
            thread.start()
        }
    }

    /// Batches queued or being committed.
    public var pending: Int {
        condition.withLock { queues.reduce(0) { $0 + $1.count } + busy.filter { $0 }.count }
    }

    public func submit(_ prepared: PreparedBatch) {
        condition.withLock {
            let worker: Int
            if let assigned = assignment[prepared.batch.producer] {
                worker = assigned
            } else {
                worker = nextWorker
                nextWorker = (nextWorker + 1) % workers
                assignment[prepared.batch.producer] = worker
            }
            queues[worker].append(prepared)
            condition.broadcast()
        }
    }

    /// What finished since the last call.
    public func takeOutcomes() -> [Outcome] {
        condition.withLock {
            defer { outcomes.removeAll() }
            return outcomes
        }
    }

    /// Finishes what is queued, then stops the workers.
    public func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
        finished.wait()
    }

    private func work(_ index: Int) {
        var writer: TrafficWriter?
        while true {
            condition.lock()
            while queues[index].isEmpty && !closed { condition.wait() }
            guard !queues[index].isEmpty else {
                condition.unlock()
                return
            }
            let prepared = queues[index].removeFirst()
            busy[index] = true
            condition.unlock()

            let result = commit(prepared, writer: &writer)
            condition.withLock {
                busy[index] = false
                outcomes.append(Outcome(prepared: prepared, result: result))
            }
        }
    }

    private func commit(_ prepared: PreparedBatch, writer: inout TrafficWriter?) -> Result<Report, Failure> {
        do {
            let current = try writer ?? TrafficWriter(conninfo: conninfo)
            writer = current
            var result = TrafficWriter.CommitResult.duplicate
            let seconds = try ContinuousClock().seconds {
                result = try current.commit(prepared.batch, segments: prepared.segments, runs: prepared.runs)
            }
            return .success(Report(committed: result != .duplicate, seconds: seconds))
        } catch let error as PostgresError {
            if error.kind == .connection { writer = nil }
            return .failure(Failure(description: "\(error)", isTransient: Failure.isTransient(error)))
        } catch {
            return .failure(Failure(description: "\(error)", isTransient: false))
        }
    }
}
