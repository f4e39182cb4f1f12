/// One flow's DNS: messages framed per transport, queries matched to
/// responses by id and question (the oldest waiting query of that id wins,
/// as Zeek does), unanswered queries reported after `transactionTimeout`
/// of packet time or at `finish`, unmatched responses reported at once.
public struct DNSSession: ProtocolSession {
    public private(set) var transport: DNSTransaction.Transport?
    public let config: DNSConfig
    private let parser: DNSParser
    private var pending: [Pending] = []
    private var framers = [DNSStreamFramer(), DNSStreamFramer()]
    private var output: [DNSTransaction] = []
    /// Queries reported unanswered because more than `maxPendingQueries` waited.
    public private(set) var evictedQueries = 0

    private struct Pending {
        var query: DNSMessage
        var time: Int64
    }

    /// `transport` nil: picked from the first payload (a lone length prefix,
    /// or a length prefix before a plausible header, means TCP).
    public init(transport: DNSTransaction.Transport?, config: DNSConfig = DNSConfig()) {
        self.transport = transport
        self.config = config
        parser = DNSParser(limits: config.limits)
    }

    /// Bytes skipped in TCP streams after gaps, until a message start was found.
    public var skippedBytes: Int { framers[0].skippedBytes + framers[1].skippedBytes }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, direction: Direction, time: Int64) -> [DNSTransaction] {
        expirePending(now: time)
        let transport = self.transport ?? Self.guessTransport(bytes)
        self.transport = transport
        switch transport {
        case .udp:
            handle(bytes, time: time)
        case .tcp:
            let index = direction == .toServer ? 0 : 1
            var framer = framers[index]
            framers[index] = DNSStreamFramer()
            framer.feed(bytes) { handle($0, time: time) }
            framers[index] = framer
        }
        return takeOutput()
    }

    public mutating func gap(_ length: Int, direction: Direction, time: Int64) -> [DNSTransaction] {
        expirePending(now: time)
        framers[direction == .toServer ? 0 : 1].gap()
        return takeOutput()
    }

    public mutating func finish(time: Int64) -> [DNSTransaction] {
        for index in framers.indices {
            var framer = framers[index]
            framer.remainder { handle($0, time: time, cutShort: true) }
            framers[index] = framer
        }
        for waiting in pending {
            output.append(DNSTransaction(transport: transport ?? .udp, query: waiting.query, requestTime: waiting.time))
        }
        pending.removeAll()
        return takeOutput()
    }

    public mutating func expire(now: Int64) -> [DNSTransaction] {
        expirePending(now: now)
        return takeOutput()
    }

    /// When the oldest query is due to expire.
    public var expiryDeadline: Int64? {
        pending.isEmpty ? nil : pending[0].time.deadline(after: config.transactionTimeout)
    }

    /// Moved out, not copied: most steps complete nothing, and an empty array costs no allocation.
    private mutating func takeOutput() -> [DNSTransaction] {
        var done: [DNSTransaction] = []
        swap(&done, &output)
        return done
    }

    /// The oldest queries that waited too long, in one removal (checked on
    /// every packet of the flow: one comparison when nothing is due).
    private mutating func expirePending(now: Int64) {
        var expired = 0
        while expired < pending.count, let deadline = pending[expired].time.deadline(after: config.transactionTimeout),
              now >= deadline {
            output.append(DNSTransaction(transport: transport ?? .udp, query: pending[expired].query,
                                         requestTime: pending[expired].time))
            expired += 1
        }
        if expired > 0 { pending.removeFirst(expired) }
    }

    private mutating func handle(_ bytes: UnsafeRawBufferPointer, time: Int64, cutShort: Bool = false) {
        let transport = self.transport ?? .udp
        var message: DNSMessage
        do {
            message = try parser.parse(bytes)
        } catch {
            output.append(DNSTransaction(transport: transport, requestTime: time, error: error))
            return
        }
        if cutShort, message.error?.kind != .truncated {
            message.error = ParseError(.truncated, at: bytes.count, "TCP stream ended inside a message")
        }
        if message.isResponse {
            if let index = pending.firstIndex(where: { Self.answers(message, $0.query) }) {
                let waiting = pending.remove(at: index)
                output.append(DNSTransaction(transport: transport, query: waiting.query, response: message,
                                             requestTime: waiting.time, responseTime: time))
            } else {
                output.append(DNSTransaction(transport: transport, response: message, responseTime: time))
            }
        } else {
            if pending.count >= config.maxPendingQueries {
                let oldest = pending.removeFirst()
                evictedQueries += 1
                output.append(DNSTransaction(transport: transport, query: oldest.query, requestTime: oldest.time))
            }
            pending.append(Pending(query: message, time: time))
        }
    }

    /// Same id, and the same question unless either side could not carry one.
    static func answers(_ response: DNSMessage, _ query: DNSMessage) -> Bool {
        guard response.header.id == query.header.id else { return false }
        guard let asked = query.question, let answered = response.question else { return true }
        return asked.matches(answered)
    }

    static func guessTransport(_ bytes: UnsafeRawBufferPointer) -> DNSTransaction.Transport {
        if bytes.count == 2 { return .tcp }
        if DNSSniffer.cleanMessage(bytes) { return .udp }
        return DNSStreamFramer.startsMessage(bytes) ? .tcp : .udp
    }
}
