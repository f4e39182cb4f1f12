import CaptureDecoding
import Foundation
import Logging
import Messaging
import Wire

/// The decoder service's loop: sensor messages in on a PULL socket,
/// `records.v1` out to storage on a PUSH socket (kept until storage
/// acknowledges them, re-sent when acknowledgements stall), the same
/// records PUBlished for live consumers, storage's acknowledgements in on a
/// SUB socket. All sockets live on the calling thread.
public final class DecoderServer: Sendable {
    public struct Configuration: Sendable {
        public var framesEndpoint: String
        public var recordsEndpoint: String
        public var acksEndpoint: String
        public var eventsEndpoint: String?
        public var decoder = DecoderConfig()
        public var limits = DecoderEngine.Limits()
        /// Output batches awaiting acknowledgement before input pauses.
        public var maxUnacked = 32
        /// No acknowledgement progress for this long re-sends the unacknowledged.
        public var resendAfter: Duration = .seconds(3)
        /// Input quiet for this long sends the batch gathered so far.
        public var idleFlush: Duration = .milliseconds(50)
        /// On stop, how long to wait for storage to acknowledge what is held.
        public var drainTimeout: Duration = .seconds(5)

        public init(framesEndpoint: String, recordsEndpoint: String, acksEndpoint: String,
                    eventsEndpoint: String? = nil) {
            self.framesEndpoint = framesEndpoint
            self.recordsEndpoint = recordsEndpoint
            self.acksEndpoint = acksEndpoint
            self.eventsEndpoint = eventsEndpoint
        }
    }

    public struct Status: Sendable, Equatable {
        public var producer: UUID
        public var engine = DecoderEngine.Counters()
        public var unacked = 0
        public var resends = 0
        public var malformedMessages = 0
        public var openCaptures = 0
    }

    public let configuration: Configuration
    public let producerID: UUID
    private let logger: Logger
    private let stopping = Locked(false)
    public let status: Locked<Status>

    public init(configuration: Configuration, logger: Logger, producerID: UUID = UUID()) {
        self.configuration = configuration
        self.logger = logger
        self.producerID = producerID
        status = Locked(Status(producer: producerID))
    }

    public func stop() { stopping.set(true) }

    private struct Outgoing {
        var sequence: UInt64
        var envelope: Envelope
        var sent = false
    }

    public func run(context: MessageContext) throws {
        let input = try Socket(context, .pull, options: [.receiveHighWaterMark(16)])
        let output = try Socket(context, .push, options: [.sendHighWaterMark(16), .sendTimeout(.milliseconds(100))])
        let acks = try Socket(context, .sub, options: [.subscribe([])])
        let events: Socket? = configuration.eventsEndpoint == nil ? nil
            : try Socket(context, .pub, options: [.sendHighWaterMark(64)])
        try input.bind(configuration.framesEndpoint)
        try output.connect(configuration.recordsEndpoint)
        try acks.connect(configuration.acksEndpoint)
        if let events, let endpoint = configuration.eventsEndpoint { try events.bind(endpoint) }
        logger.info("decoder listening", metadata: [
            "frames": "\(configuration.framesEndpoint)", "records": "\(configuration.recordsEndpoint)",
            "producer": "\(producerID)",
        ])

        var engine = DecoderEngine(config: configuration.decoder, limits: configuration.limits,
                                   producer: Producer(id: producerID))
        var outbox: [Outgoing] = []
        var lastProgress = ContinuousClock.now
        var resendWait = configuration.resendAfter
        var lastInput = ContinuousClock.now
        let poller = Poller()

        func enqueue(_ envelopes: [Envelope]) {
            // The wait for acknowledgements starts with the first batch held.
            if outbox.isEmpty && !envelopes.isEmpty { lastProgress = .now }
            for envelope in envelopes {
                outbox.append(Outgoing(sequence: envelope.header.sequence, envelope: envelope))
                if let events { try? events.send(envelope, blocking: false) }
            }
        }
        func sendPending() {
            for index in outbox.indices where !outbox[index].sent {
                do {
                    try output.send(outbox[index].envelope)
                    outbox[index].sent = true
                } catch {
                    return
                }
            }
        }
        func takeAcks() {
            while let frames = try? acks.receive(blocking: false) {
                guard let envelope = try? Envelope(frames: frames), let ack = try? Ack(envelope),
                      ack.producer == producerID else { continue }
                let before = outbox.count
                outbox.removeAll { ack.contains($0.sequence) }
                if outbox.count < before {
                    lastProgress = .now
                    resendWait = configuration.resendAfter
                }
            }
        }
        func publishStatus() {
            let counters = engine.counters
            let open = engine.openCaptures
            let held = outbox.count
            status.update { $0.engine = counters; $0.unacked = held; $0.openCaptures = open }
        }

        loop: while !stopping.get() {
            let accepting = outbox.count < configuration.maxUnacked
            let sockets = accepting ? [acks, input] : [acks]
            let ready: Poller.Ready
            do {
                ready = try poller.poll(sockets, timeoutMilliseconds: 20)
            } catch {
                if error.kind == .contextTerminated { break loop }
                throw error
            }
            if ready[0] { takeAcks() }
            if accepting && ready[1] {
                // Drain what is queued, up to the unacked limit, before sending.
                while outbox.count < configuration.maxUnacked, let frames = try? input.receive(blocking: false) {
                    lastInput = .now
                    do {
                        enqueue(try engine.receive(try Envelope(frames: frames)))
                    } catch {
                        status.update { $0.malformedMessages += 1 }
                        logger.warning("refused a malformed sensor message", metadata: ["error": "\(error)"])
                    }
                }
            }
            let now = ContinuousClock.now
            if now - lastInput >= configuration.idleFlush { enqueue(engine.flush()) }
            if !outbox.isEmpty && now - lastProgress >= resendWait {
                for index in outbox.indices { outbox[index].sent = false }
                status.update { $0.resends += 1 }
                logger.notice("storage has not acknowledged; sending again",
                              metadata: ["batches": "\(outbox.count)", "waited": "\(resendWait)"])
                lastProgress = now
                resendWait = min(resendWait * 2, .seconds(30))
            }
            sendPending()
            publishStatus()
        }

        // Stop: send what was gathered and give storage a moment to acknowledge it.
        enqueue(engine.flush())
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while !outbox.isEmpty && ContinuousClock.now < deadline {
            sendPending()
            if (try? poller.poll([acks], timeoutMilliseconds: 50))?[0] == true { takeAcks() }
        }
        publishStatus()
        if !outbox.isEmpty {
            logger.warning("stopping with unacknowledged batches; the sensor will send their frames again",
                           metadata: ["batches": "\(outbox.count)"])
        }
        input.close()
        output.close()
        acks.close()
        events?.close()
        logger.info("decoder stopped")
    }
}
