import Dissection

/// One ICMP flow's messages paired into transactions. ICMP is the one module
/// that does not parse bytes itself: the dissector already decoded each
/// message's type, code, echo id/sequence and quoted packet (`ICMPInfo`), so
/// the session takes those, plus the bytes after the 8-byte header for
/// neighbour discovery.
public struct ICMPSession: Sendable {
    public struct Counters: Sendable, Hashable {
        public var messages = 0
        public var unanswered = 0
        /// Requests given up because too many were pending.
        public var evicted = 0
    }

    private struct Pending: Sendable {
        var key: Key
        var message: ICMPMessage
        var echoID: UInt16?
        var echoSequence: UInt16?
        var target: IPAddress?
        var linkLayerAddress: String?
    }

    private enum Key: Hashable, Sendable {
        case echo(id: UInt16, sequence: UInt16)
        case query(responseType: UInt8)
        case neighbour(IPAddress)
        case routers
    }

    public let version: UInt8
    public var transactionTimeout: Int64
    public var maxPending: Int
    public private(set) var counters = Counters()
    private var pending: [Pending] = []

    public init(version: UInt8, transactionTimeout: Int64 = 10_000_000_000, maxPending: Int = 1_024) {
        self.version = version
        self.transactionTimeout = transactionTimeout
        self.maxPending = maxPending
    }

    public mutating func receive(_ info: ICMPInfo, payload: UnsafeRawBufferPointer, direction: Direction,
                                 time: Int64, frame: UInt64) -> [ICMPTransaction] {
        counters.messages += 1
        var out = expire(now: time)
        let message = ICMPMessage(type: info.type, code: info.code, time: time, frame: frame, direction: direction)
        let discovery = neighbourDiscovery(type: info.type, payload: payload)
        switch role(of: info, target: discovery.target) {
        case .request(let key):
            if pending.count >= maxPending {
                counters.evicted += 1
                counters.unanswered += 1
                out.append(Self.unanswered(version: version)(pending.removeFirst()))
            }
            pending.append(Pending(key: key, message: message, echoID: info.echoID, echoSequence: info.echoSequence,
                                   target: discovery.target, linkLayerAddress: discovery.linkLayerAddress))
        case .response(let key):
            var transaction = ICMPTransaction(version: version, response: message, echoID: info.echoID,
                                              echoSequence: info.echoSequence, target: discovery.target,
                                              linkLayerAddress: discovery.linkLayerAddress)
            if let index = pending.lastIndex(where: { $0.key == key }) {  // the latest duplicate, as tshark pairs them
                let request = pending.remove(at: index)
                transaction.request = request.message
                transaction.linkLayerAddress = transaction.linkLayerAddress ?? request.linkLayerAddress
            }
            out.append(transaction)
        case .alone:
            out.append(ICMPTransaction(version: version, request: message, echoID: info.echoID,
                                       echoSequence: info.echoSequence, quoted: info.quoted, target: discovery.target,
                                       linkLayerAddress: discovery.linkLayerAddress))
        }
        return out
    }

    /// The flow ended: every request still waiting, unanswered.
    public mutating func finish() -> [ICMPTransaction] {
        let waiting = pending
        pending.removeAll()
        counters.unanswered += waiting.count
        return waiting.map(Self.unanswered(version: version))
    }

    /// Requests unanswered for longer than `transactionTimeout`.
    public mutating func expire(now: Int64) -> [ICMPTransaction] {
        guard let deadline = expiryDeadline, now >= deadline else { return [] }
        let limit = now - transactionTimeout
        let old = pending.filter { $0.message.time < limit }
        pending.removeAll { $0.message.time < limit }
        counters.unanswered += old.count
        return old.map(Self.unanswered(version: version))
    }

    /// When the oldest request is due to expire (with it, any as old).
    public var expiryDeadline: Int64? {
        pending.isEmpty ? nil : pending[0].message.time.deadline(after: transactionTimeout)
    }

    private static func unanswered(version: UInt8) -> (Pending) -> ICMPTransaction {
        { request in
            ICMPTransaction(version: version, request: request.message, echoID: request.echoID,
                            echoSequence: request.echoSequence, target: request.target,
                            linkLayerAddress: request.linkLayerAddress)
        }
    }

    private enum Role {
        case request(Key)
        case response(Key)
        case alone
    }

    private func role(of info: ICMPInfo, target: IPAddress?) -> Role {
        let echo = info.echoID.map { id in Key.echo(id: id, sequence: info.echoSequence ?? 0) }
        switch (version, info.type) {
        case (4, 8), (6, 128): return echo.map(Role.request) ?? .alone
        case (4, 0), (6, 129): return echo.map(Role.response) ?? .alone
        case (4, 13), (4, 15), (4, 17): return .request(.query(responseType: info.type + 1))
        case (4, 14), (4, 16), (4, 18): return .response(.query(responseType: info.type))
        case (6, 133): return .request(.routers)
        case (6, 134): return .response(.routers)
        case (6, 135): return target.map { .request(.neighbour($0)) } ?? .alone
        case (6, 136): return target.map { .response(.neighbour($0)) } ?? .alone
        default: return .alone
        }
    }

    /// Target address (NS, NA, redirect) and link-layer address option of
    /// ICMPv6 neighbour discovery; `payload` starts after the 8-byte header.
    private func neighbourDiscovery(type: UInt8, payload: UnsafeRawBufferPointer) -> (target: IPAddress?, linkLayerAddress: String?) {
        guard version == 6 else { return (nil, nil) }
        var cursor = ByteCursor(payload)
        var target: IPAddress?
        switch type {
        case 133: break
        case 134: guard cursor.skip(8) else { return (nil, nil) }
        case 135, 136, 137:
            guard let high = cursor.peekUInt64(), let low = cursor.peekUInt64(at: 8), cursor.skip(16) else {
                return (nil, nil)
            }
            target = IPAddress(v6High: high, v6Low: low)
            if type == 137 { guard cursor.skip(16) else { return (target, nil) } }
        default: return (nil, nil)
        }
        // Options: type, length in units of 8 bytes (0 is invalid), data.
        var linkLayer: String?
        while let optionType = cursor.peekUInt8(), let units = cursor.peekUInt8(at: 1), units > 0 {
            guard let option = cursor.readSlice(Int(units) * 8) else { break }
            if (optionType == 1 || optionType == 2) && linkLayer == nil && option.count >= 8 {
                linkLayer = option[2 ..< 8].map { byte in
                    let text = String(byte, radix: 16)
                    return text.count == 1 ? "0" + text : text
                }.joined(separator: ":")
            }
        }
        return (target, linkLayer)
    }
}
