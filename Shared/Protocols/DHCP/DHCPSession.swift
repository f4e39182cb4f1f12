/// One flow's DHCPv4: every datagram is one message and one transaction.
public struct DHCPSession: ProtocolSession {
    private let parser: DHCPParser

    public init(limits: DHCPLimits = DHCPLimits()) { parser = DHCPParser(limits: limits) }

    public mutating func receive(_ bytes: UnsafeRawBufferPointer, direction: Direction, time: Int64) -> [DHCPTransaction] {
        do {
            return [DHCPTransaction(message: try parser.parse(bytes), time: time, direction: direction)]
        } catch {
            return [DHCPTransaction(message: nil, time: time, direction: direction, error: error)]
        }
    }

    /// DHCP runs over UDP: there are no gaps to bridge.
    public mutating func gap(_ length: Int, direction: Direction, time: Int64) -> [DHCPTransaction] { [] }

    public mutating func finish(time: Int64) -> [DHCPTransaction] { [] }

    /// Each message is its own transaction: nothing waits for an answer.
    public mutating func expire(now: Int64) -> [DHCPTransaction] { [] }

    public var expiryDeadline: Int64? { nil }
}

/// DHCPv4 over UDP (Packetbeat's `dhcpv4`, ports 67 and 68).
