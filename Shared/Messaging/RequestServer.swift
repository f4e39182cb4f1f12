import Foundation
import Logging
import Wire

/// A request/reply service's loop: requests on a ROUTER socket, answered by
/// worker threads that each hold their own handler (a database connection,
/// open files); the socket stays on the calling thread. Search serves
/// `query.v1` with it, storage `read.v1`.
public final class RequestServer<Message: WireMessage>: Sendable {
    /// Answers one request; runs on one worker thread, never shared.
    public typealias Handler = (Message) throws -> Message

    public struct Status: Sendable, Equatable {
        public var requests = 0
        public var failures = 0
        public var malformed = 0
        public var lastError: String?
    }

    private struct Job: Sendable {
        var identity: [UInt8]
        var header: MessageHeader
        var request: Message
    }

    private struct Answer: Sendable {
        var identity: [UInt8]
        var header: MessageHeader
        var reply: Message
    }

    public let name: String
    public let endpoint: String
    public let workers: Int
    public let limits: WireLimits
    public let status = Locked(Status())
    private let logger: Logger
    private let stopping = Locked(false)
    private let wake = WakeSignal()

    public init(name: String, endpoint: String, workers: Int, limits: WireLimits = .default, logger: Logger) {
        self.name = name
        self.endpoint = endpoint
        self.workers = max(1, workers)
        self.limits = limits
        self.logger = logger
    }

    public func stop() {
        stopping.set(true)
        wake?.signal()
    }

    /// Serves until `stop()`. `makeHandler` runs on each worker thread when
    /// it first needs a handler, and again after `failure` says the handler
    /// is broken (`true`: drop it, e.g. a lost database connection).
    /// `failure` also gives the reply to a request whose handler threw.
    public func run(context: MessageContext, makeHandler: @escaping @Sendable () throws -> Handler,
                    failure: @escaping @Sendable (any Error) -> (reply: Message, dropHandler: Bool)) throws {
        let router = try Socket(context, .router)
        try router.bind(endpoint)
        logger.info("\(name) listening", metadata: ["endpoint": "\(endpoint)"])
        let jobs = JobQueue<Job>()
        let answers = Locked<[Answer]>([])
        let finished = DispatchGroup()
        for index in 0 ..< workers {
            finished.enter()
            let thread = Thread { [status, logger, wake] in
                var handler: Handler?
                while let job = jobs.take() {
                    let reply: Message
                    do {
                        let current = try handler ?? makeHandler()
                        handler = current
                        reply = try current(job.request)
                    } catch {
                        let outcome = failure(error)
                        if outcome.dropHandler { handler = nil }
                        status.update { $0.failures += 1; $0.lastError = "\(error)" }
                        logger.warning("request failed", metadata: ["error": "\(error)"])
                        reply = outcome.reply
                    }
                    answers.update { $0.append(Answer(identity: job.identity, header: job.header, reply: reply)) }
                    wake?.signal()
                }
                finished.leave()
            }
            thread.name = "netsift-\(name)-\(index)"
            thread.start()
        }
        defer {
            jobs.close()
            finished.wait()
            router.close()
            logger.info("\(name) stopped")
        }

        let poller = Poller()
        let wakeFD = wake.map { [$0.fileDescriptor] } ?? []
        while !stopping.get() {
            let ready: Poller.Ready
            do {
                ready = try poller.poll([router], fileDescriptors: wakeFD, timeoutMilliseconds: wake == nil ? 1 : 50)
            } catch {
                if error.kind == .contextTerminated { return }
                throw error
            }
            if ready[1] { wake?.drain() }
            for answer in answers.update({ list -> [Answer] in defer { list.removeAll() }; return list }) {
                let envelope = answer.reply.envelope(producer: answer.header.producer, sequence: answer.header.sequence)
                try? router.send([answer.identity] + envelope.frames, blocking: false)
            }
            guard ready[0] else { continue }
            while let frames = try router.receive(blocking: false) {
                guard frames.count >= 2 else { continue }
                do {
                    let envelope = try Envelope(frames: Array(frames.dropFirst()))
                    let request = try Message(envelope, limits: limits)
                    status.update { $0.requests += 1 }
                    jobs.put(Job(identity: frames[0], header: envelope.header, request: request))
                } catch {
                    status.update { $0.malformed += 1 }
                    logger.warning("refused a malformed request", metadata: ["error": "\(error)"])
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
