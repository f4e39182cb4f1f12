import Foundation
import Messaging
import Wire

/// A sensor's sockets, all on one thread: one PUSH per decoder (a lane
/// each), a SUB for storage's acknowledgements, a DEALER for control
/// requests to storage. Tracks what storage has acknowledged per lane.
public final class SensorLink {
    public struct Endpoints: Sendable {
        public var decoders: [String]
        public var storageControl: String
        public var storageAcks: String
        public init(decoders: [String], storageControl: String, storageAcks: String) {
            self.decoders = decoders
            self.storageControl = storageControl
            self.storageAcks = storageAcks
        }
    }

    public let endpoints: Endpoints
    public let lanes: [Socket]
    private let acks: Socket
    private let control: Socket
    private let poller = Poller()
    private var requestNumber: UInt64 = 0
    private let requester = UUID()
    /// Acknowledged sequences per lane producer.
    public private(set) var acknowledged: [UUID: SequenceRanges] = [:]
    /// When each producer's acknowledgements last moved.
    public private(set) var lastAckProgress: [UUID: ContinuousClock.Instant] = [:]

    public init(context: MessageContext, endpoints: Endpoints) throws(SocketError) {
        self.endpoints = endpoints
        var lanes: [Socket] = []
        for endpoint in endpoints.decoders {
            // Room for a live lane's batches while its decoder restarts (file ingest
            // bounds what is in flight itself).
            let socket = try Socket(context, .push, options: [.sendHighWaterMark(256), .sendTimeout(.milliseconds(100))])
            try socket.connect(endpoint)
            lanes.append(socket)
        }
        self.lanes = lanes
        acks = try Socket(context, .sub, options: [.subscribe([])])
        try acks.connect(endpoints.storageAcks)
        control = try Socket(context, .dealer, options: [.sendTimeout(.milliseconds(500))])
        try control.connect(endpoints.storageControl)
    }

    public func close() {
        for lane in lanes { lane.close() }
        acks.close()
        control.close()
    }

    /// Sends on a lane; false when the decoder does not take it within the
    /// send timeout (gone, or its queue is full) — the caller retries.
    public func trySend(_ envelope: Envelope, lane: Int) throws(SocketError) -> Bool {
        do {
            try lanes[lane].send(envelope)
            return true
        } catch {
            if error.kind == .wouldBlock { return false }
            throw error
        }
    }

    /// Reads the acknowledgements that arrived, waiting up to `timeout` for
    /// the first. Returns whether any acknowledged something new.
    @discardableResult
    public func takeAcks(waiting timeout: Duration = .zero) throws(SocketError) -> Bool {
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        if milliseconds > 0 {
            guard try poller.poll([acks], timeoutMilliseconds: milliseconds)[0] else { return false }
        }
        var progressed = false
        while let frames = try acks.receive(blocking: false) {
            guard let envelope = try? Envelope(frames: frames), let ack = try? Ack(envelope) else { continue }
            var known = acknowledged[ack.producer] ?? SequenceRanges()
            let before = known
            for range in ack.ranges { known.insert(range) }
            if known != before {
                acknowledged[ack.producer] = known
                lastAckProgress[ack.producer] = .now
                progressed = true
            }
        }
        return progressed
    }

    /// Forgets acknowledgements of producers no longer of interest.
    public func forget(producer: UUID) {
        acknowledged[producer] = nil
        lastAckProgress[producer] = nil
    }

    /// Whether `first…last` of `producer` is all acknowledged.
    public func isAcknowledged(producer: UUID, from first: UInt64, through last: UInt64) -> Bool {
        guard last >= first else { return true }
        return (acknowledged[producer] ?? SequenceRanges()).contiguous(from: first) >= last
    }

    /// One control request; waits up to `timeout` for storage's answer.
    public func request(_ body: ControlMessage.Body, timeout: Duration = .seconds(10)) throws(SensorError) -> ControlMessage.Body {
        requestNumber += 1
        let number = requestNumber
        let envelope = ControlMessage(body).envelope(producer: requester, sequence: number)
        let deadline = ContinuousClock.now + timeout
        var sent = false
        while ContinuousClock.now < deadline {
            do {
                if !sent {
                    try control.send(envelope)
                    sent = true
                }
                guard try poller.poll([control], timeoutMilliseconds: 100)[0] else { continue }
                while let frames = try control.receive(blocking: false) {
                    guard let reply = try? Envelope(frames: frames), reply.header.sequence == number,
                          let message = try? ControlMessage(reply) else { continue }
                    return message.body
                }
            } catch {
                if error.kind == .wouldBlock { continue }
                throw SensorError.messaging("\(error)")
            }
        }
        throw SensorError.storageUnreachable(endpoint: endpoints.storageControl, waited: timeout)
    }
}

public enum SensorError: Error, CustomStringConvertible, Sendable {
    case storageUnreachable(endpoint: String, waited: Duration)
    case storageRefused(String)
    case messaging(String)
    case capture(String)
    case stopped

    public var description: String {
        switch self {
        case .storageUnreachable(let endpoint, let waited):
            "storage did not answer at \(endpoint) within \(waited); is netsift-storage running?"
        case .storageRefused(let message): "storage refused: \(message)"
        case .messaging(let message): "messaging failed: \(message)"
        case .capture(let message): message
        case .stopped: "stopped before every frame was acknowledged"
        }
    }
}
