import Foundation
import Logging
import Messaging
import Store

/// The read side's loop: `query.v1` requests on a ROUTER socket, answered by
/// worker threads that each hold a PostgreSQL connection; the socket stays
/// on the calling thread.
public final class SearchServer: Sendable {
    public struct Configuration: Sendable {
        public var conninfo: String
        public var endpoint: String
        public var workers = 2
        public init(conninfo: String, endpoint: String) {
            self.conninfo = conninfo
            self.endpoint = endpoint
        }
    }

    public struct Status: Sendable, Equatable {
        public var queries = 0
        public var failures = 0
        public var malformed = 0
        public var lastError: String?
    }

    private struct Job: Sendable {
        var identity: [UInt8]
        var header: MessageHeader
        var query: QueryMessage.Body
    }

    private struct Answer: Sendable {
        var identity: [UInt8]
        var header: MessageHeader
        var reply: QueryMessage.Body
    }

    public let configuration: Configuration
    public let status = Locked(Status())
    private let logger: Logger
    private let stopping = Locked(false)

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func stop() { stopping.set(true) }

    public func run(context: MessageContext) throws {
        let router = try Socket(context, .router)
        try router.bind(configuration.endpoint)
        logger.info("search listening", metadata: ["endpoint": "\(configuration.endpoint)"])
        let jobs = JobQueue<Job>()
        let answers = Locked<[Answer]>([])
        let finished = DispatchGroup()
        for index in 0 ..< max(1, configuration.workers) {
            finished.enter()
            let thread = Thread { [configuration, status, logger] in
                var engine: SearchEngine?
                while let job = jobs.take() {
                    let reply: QueryMessage.Body
                    do {
                        let current = try engine ?? SearchEngine(conninfo: configuration.conninfo)
                        engine = current
                        reply = try current.answer(job.query)
                    } catch {
                        if let error = error as? PostgresError, error.kind == .connection { engine = nil }
                        status.update { $0.failures += 1; $0.lastError = "\(error)" }
                        logger.warning("query failed", metadata: ["error": "\(error)"])
                        reply = .failed(message: "\(error)")
                    }
                    answers.update { $0.append(Answer(identity: job.identity, header: job.header, reply: reply)) }
                }
                finished.leave()
            }
            thread.name = "netsift-search-\(index)"
            thread.start()
        }
        defer {
            jobs.close()
            finished.wait()
            router.close()
            logger.info("search stopped")
        }

        let poller = Poller()
        while !stopping.get() {
            let waiting = jobs.count > 0 || !answers.get().isEmpty
            let ready: Poller.Ready
            do {
                ready = try poller.poll([router], timeoutMilliseconds: waiting ? 1 : 50)
            } catch {
                if error.kind == .contextTerminated { return }
                throw error
            }
            for answer in answers.update({ list -> [Answer] in defer { list.removeAll() }; return list }) {
                let envelope = QueryMessage(answer.reply).envelope(producer: answer.header.producer,
                                                                   sequence: answer.header.sequence)
                try? router.send([answer.identity] + envelope.frames, blocking: false)
            }
            guard ready[0] else { continue }
            while let frames = try router.receive(blocking: false) {
                guard frames.count >= 2 else { continue }
                do {
                    let envelope = try Envelope(frames: Array(frames.dropFirst()))
                    let query = try QueryMessage(envelope)
                    status.update { $0.queries += 1 }
                    jobs.put(Job(identity: frames[0], header: envelope.header, query: query.body))
                } catch {
                    status.update { $0.malformed += 1 }
                    logger.warning("refused a malformed query", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// A blocking FIFO for worker threads.
final class JobQueue<Job: Sendable>: @unchecked Sendable {
    // @unchecked: `items` and `closed` are guarded by `condition`.
    private let condition = NSCondition()
    private var items: [Job] = []
    private var closed = false

    var count: Int { condition.withLock { items.count } }

    func put(_ job: Job) {
        condition.withLock {
            items.append(job)
            condition.signal()
        }
    }

    /// The next job; nil once closed and empty.
    func take() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        return items.isEmpty ? nil : items.removeFirst()
    }

    func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }
}
