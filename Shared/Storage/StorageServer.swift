import Foundation
import Logging
import Messaging
import PcapStore
import PostgresClient
import Wire

/// The storage service's loop: `records.v1` from decoders on a PULL socket,
/// control requests on a ROUTER, acknowledgements out on a PUB. Everything
/// runs on the calling thread (sockets and libpq are confined to it); other
/// threads read `status` and call `stop()`.
public final class StorageServer: Sendable {
    public struct Configuration: Sendable {
        public var conninfo: String
        public var pcapRoot: String
        public var recordsEndpoint: String
        public var controlEndpoint: String
        public var acksEndpoint: String
        /// How often everything committed is acknowledged again.
        public var ackRepeatInterval: Duration = .seconds(1)
        /// Wait between attempts to reach PostgreSQL.
        public var reconnectInterval: Duration = .seconds(2)
        /// Attempts at one batch before it is refused (acknowledged without being stored).
        public var attemptsPerBatch = 3
        /// Threads committing batches, each with its own connection.
        public var commitWorkers = 2
        /// Prepared batches waiting for a worker before records input pauses.
        public var maxPendingCommits = 8
        /// A running capture nothing came for in this long is `abandoned`
        /// (its producer is gone: a killed `netsift ingest`); nil never.
        public var abandonAfter: Duration? = .seconds(600)

        public init(conninfo: String, pcapRoot: String, recordsEndpoint: String, controlEndpoint: String,
                    acksEndpoint: String) {
            self.conninfo = conninfo
            self.pcapRoot = pcapRoot
            self.recordsEndpoint = recordsEndpoint
            self.controlEndpoint = controlEndpoint
            self.acksEndpoint = acksEndpoint
        }
    }

    public struct Status: Sendable, Equatable {
        public var databaseUp = false
        public var lastError: String?
        public var engine = StorageEngine.Counters()
        public var malformedMessages = 0
        public var refusedBatches = 0
        public var failedAttempts = 0
        public var controlRequests = 0
    }

    public let configuration: Configuration
    private let logger: Logger
    private let stopping = Locked(false)
    public let status = Locked(Status())

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Ends `run` after the message in hand is stored.
    public func stop() { stopping.set(true) }

    /// Binds the sockets and serves until `stop()`; returns after the pcap
    /// store is flushed and closed. Throws only when a socket cannot be bound.
    public func run(context: MessageContext) throws {
        let records = try Socket(context, .pull, options: [.receiveHighWaterMark(64)])
        let control = try Socket(context, .router)
        let acks = try Socket(context, .pub, options: [.sendHighWaterMark(100_000)])
        try records.bind(configuration.recordsEndpoint)
        try control.bind(configuration.controlEndpoint)
        try acks.bind(configuration.acksEndpoint)
        logger.info("storage listening", metadata: [
            "records": "\(configuration.recordsEndpoint)", "control": "\(configuration.controlEndpoint)",
            "acks": "\(configuration.acksEndpoint)",
        ])

        var engine: StorageEngine?
        var board = AckBoard()
        var nextConnect = ContinuousClock.now
        var nextRepeat = ContinuousClock.now + configuration.ackRepeatInterval
        var nextSweep = ContinuousClock.now
        var attempts: [BatchID: Int] = [:]
        let poller = Poller()
        let pool = CommitPool(conninfo: configuration.conninfo, workers: configuration.commitWorkers)

        func publish(_ list: [Ack]) {
            for ack in list {
                board.record(ack)
                try? acks.send(ack.envelope(producer: StorageServer.producerID, sequence: 0), blocking: false)
            }
        }
        func dropEngine(_ error: any Error) {
            logger.error("\(StorageServer.restartReason(error)); starting over", metadata: ["error": "\(error)"])
            try? engine?.close()
            engine = nil
            nextConnect = ContinuousClock.now + configuration.reconnectInterval
            status.update { $0.databaseUp = false; $0.lastError = "\(error)"; $0.failedAttempts += 1 }
        }
        func collect() {
            for outcome in pool.takeOutcomes() {
                let batch = outcome.prepared.batch
                let id = BatchID(producer: batch.producer, sequence: batch.sequence)
                switch outcome.result {
                case .success(let report):
                    engine?.record(report, of: outcome.prepared)
                    if engine != nil { status.update { $0.databaseUp = true; $0.lastError = nil } }
                    attempts[id] = nil
                    publish(outcome.prepared.acks)
                case .failure(let failure) where failure.isTransient:
                    engine?.abandon(outcome.prepared)
                    status.update { $0.databaseUp = false; $0.lastError = failure.description; $0.failedAttempts += 1 }
                    let disk = failure.description.contains("No space left") || failure.description.contains("53100")
                    let why = disk ? "the database's disk is full"
                        : "commit failed, not for the batch (PostgreSQL unreachable, full or stopping)"
                    logger.error("\(why); the decoder will send the batch again", metadata: ["error": "\(failure)"])
                case .failure(let failure):
                    engine?.abandon(outcome.prepared)
                    let count = (attempts[id] ?? 0) + 1
                    attempts[id] = count
                    status.update { $0.failedAttempts += 1; $0.lastError = failure.description }
                    if count >= configuration.attemptsPerBatch {
                        attempts[id] = nil
                        status.update { $0.refusedBatches += 1 }
                        logger.error("refusing a batch that failed \(count) times; its rows are not stored",
                                     metadata: ["producer": "\(id.producer)", "sequence": "\(id.sequence)",
                                                "error": "\(failure)"])
                        publish(outcome.prepared.acks)
                    } else {
                        logger.warning("batch failed; the decoder will send it again",
                                       metadata: ["producer": "\(id.producer)", "sequence": "\(id.sequence)",
                                                  "error": "\(failure)"])
                    }
                }
            }
            if let engine { status.update { $0.engine = engine.counters } }
        }

        while !stopping.get() {
            let now = ContinuousClock.now
            if engine == nil && now >= nextConnect {
                do {
                    let started = try StorageEngine(conninfo: configuration.conninfo, pcapRoot: configuration.pcapRoot)
                    engine = started
                    if started.upgradedPackets > 0 {
                        logger.notice("packet rows of an older data directory written into the packet index",
                                      metadata: ["packets": "\(started.upgradedPackets)"])
                    }
                    // The last error stays until a batch commits: a full disk
                    // fails again at once, and `netsift ingest` reports it.
                    status.update { $0.databaseUp = true }
                    logger.info("storage connected to PostgreSQL; schema migrated, pcap store reconciled")
                } catch {
                    status.update { $0.databaseUp = false; $0.lastError = "\(error)" }
                    logger.error("cannot start storage engine; retrying",
                                 metadata: ["error": "\(error)", "retry_in": "\(configuration.reconnectInterval)"])
                    nextConnect = now + configuration.reconnectInterval
                }
            }
            if let idle = configuration.abandonAfter, let current = engine, now >= nextSweep {
                nextSweep = now + min(.seconds(30), max(.seconds(1), idle / 4))
                do {
                    let abandoned = try current.writer.abandonIdleCaptures(idle: idle)
                    if !abandoned.isEmpty {
                        logger.warning("captures abandoned: nothing came from their producer",
                                       metadata: ["captures": "\(abandoned)", "idle": "\(idle)"])
                    }
                } catch {
                    dropEngine(error)
                }
            }
            if now >= nextRepeat {
                for ack in board.summary() {
                    try? acks.send(ack.envelope(producer: StorageServer.producerID, sequence: 0), blocking: false)
                }
                nextRepeat = now + configuration.ackRepeatInterval
            }

            // Without a database, or with enough commits waiting, records
            // wait in the decoders (they re-send).
            let pending = pool.pending
            let accepting = engine != nil && pending < configuration.maxPendingCommits
            let sockets = accepting ? [control, records] : [control]
            let ready: Poller.Ready
            do {
                ready = try poller.poll(sockets, timeoutMilliseconds: pending > 0 ? 2 : 100)
            } catch {
                if error.kind == .contextTerminated { break }
                throw error
            }
            collect()
            if ready[0], !serveControl(control, engine: engine) {
                try? engine?.close()
                engine = nil
                nextConnect = ContinuousClock.now + configuration.reconnectInterval
            }
            guard accepting, ready[1], let current = engine, let frames = try? records.receive(blocking: false) else {
                continue
            }
            let envelope: Envelope
            let message: RecordsMessage
            do {
                envelope = try Envelope(frames: frames)
                message = try RecordsMessage(envelope)
            } catch {
                status.update { $0.malformedMessages += 1 }
                logger.warning("refused a malformed records message", metadata: ["error": "\(error)"])
                continue
            }
            do {
                switch try current.prepare(message, producer: envelope.header.producer,
                                           sequence: envelope.header.sequence) {
                case .alreadyCommitted(let list): publish(list)
                case .ready(let prepared): pool.submit(prepared)
                }
            } catch let error as PostgresError where error.kind == .connection {
                dropEngine(error)
            } catch let error as PcapStoreError {
                // The pcap store refuses everything after a failure: start over
                // (recovery cuts what was not committed).
                dropEngine(error)
            } catch {
                let id = BatchID(producer: envelope.header.producer, sequence: envelope.header.sequence)
                let count = (attempts[id] ?? 0) + 1
                attempts[id] = count
                status.update { $0.failedAttempts += 1; $0.lastError = "\(error)" }
                if count >= configuration.attemptsPerBatch {
                    attempts[id] = nil
                    status.update { $0.refusedBatches += 1 }
                    logger.error("refusing a batch that failed \(count) times; its rows are not stored",
                                 metadata: ["producer": "\(id.producer)", "sequence": "\(id.sequence)",
                                            "error": "\(error)"])
                    publish(StorageEngine.acks(for: message.batch(producer: id.producer, sequence: id.sequence)))
                } else {
                    logger.warning("cannot store a batch; the decoder will send it again",
                                   metadata: ["error": "\(error)"])
                }
            }
        }
        // Stop: what was prepared still commits and is acknowledged.
        pool.close()
        collect()
        if let engine {
            do {
                try engine.close()
            } catch {
                logger.error("pcap store close failed", metadata: ["error": "\(error)"])
            }
        }
        records.close()
        control.close()
        acks.close()
        logger.info("storage stopped")
    }

    /// Answers one control request; false when the database connection was
    /// found broken (the caller reconnects).
    private func serveControl(_ control: Socket, engine: StorageEngine?) -> Bool {
        guard let frames = try? control.receive(blocking: false), frames.count >= 2 else { return true }
        let identity = frames[0]
        var reply: ControlMessage.Body
        let header: MessageHeader
        var healthy = true
        do {
            let envelope = try Envelope(frames: Array(frames.dropFirst()))
            header = envelope.header
            let request = try ControlMessage(envelope)
            if let engine {
                do {
                    reply = try engine.answer(request.body)
                } catch {
                    reply = .failed(message: "\(error)")
                    if let error = error as? PostgresError, error.kind == .connection {
                        healthy = false
                        status.update { $0.databaseUp = false; $0.lastError = "\(error)" }
                        logger.error("lost PostgreSQL; reconnecting", metadata: ["error": "\(error)"])
                    }
                }
            } else {
                reply = .failed(message: "storage has no database connection: \(status.get().lastError ?? "starting")")
            }
        } catch {
            status.update { $0.malformedMessages += 1 }
            logger.warning("refused a malformed control request", metadata: ["error": "\(error)"])
            return true
        }
        status.update { $0.controlRequests += 1 }
        let answer = ControlMessage(reply).envelope(producer: header.producer, sequence: header.sequence)
        try? control.send([identity] + answer.frames, blocking: false)
        return healthy
    }

    /// Storage's own id in the headers of its acknowledgements.
    public static let producerID = UUID(uuidString: "00000000-0000-0000-0000-00000000A0C0") ?? UUID()

    struct BatchID: Hashable {
        var producer: UUID
        var sequence: UInt64
    }
}

extension StorageServer {
    /// Why storage drops its engine, in words an operator acts on: a full
    /// disk (the pcap store's or the database's) is not a lost connection.
    static func restartReason(_ error: any Error) -> String {
        let text = "\(error)"
        if error is PcapStoreError {
            return text.contains("No space left") ? "the pcap store's disk is full" : "the pcap store failed"
        }
        if let postgres = error as? PostgresError {
            if postgres.sqlState == "53100" || text.contains("No space left") || text.contains("could not extend file") {
                return "the database's disk is full"
            }
            return postgres.kind == .connection ? "lost PostgreSQL" : "PostgreSQL failed"
        }
        return "storage failed"
    }
}

