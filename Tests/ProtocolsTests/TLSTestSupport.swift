import Dissection
import Foundation
@testable import Protocols

/// One TCP connection's TLS transactions, with the ports that name it.
struct TLSConnectionResult {
    var clientPort: UInt16
    var serverPort: UInt16
    var transactions: [TLSTransaction]
}

/// Drives TLS sessions over a capture's TCP payloads: per connection and
/// direction, segments are put in sequence order (retransmitted bytes
/// trimmed, out-of-order ones held back, holes reported as gaps). The
/// client is the side that sent the first payload.
enum TLSCaptureDriver {
    static func run(_ payloads: [CapturePayload], chunk: Int? = nil) -> [TLSConnectionResult] {
        struct Key: Hashable { var a: IPAddress, b: IPAddress, pa: UInt16, pb: UInt16 }
        struct Side { var next: UInt32?; var held: [(UInt32, [UInt8])] = [] }
        struct Connection {
            var clientAddress: IPAddress, clientPort: UInt16, serverPort: UInt16
            var session = TLSSession()
            var sides: [Direction: Side] = [.toServer: Side(), .toClient: Side()]
            var out: [TLSTransaction] = []
            var last: Int64 = 0
        }
        var connections: [Key: Connection] = [:]
        var order: [Key] = []

        func deliver(_ c: inout Connection, _ bytes: [UInt8], _ direction: Direction, _ time: Int64) {
            let size = max(1, chunk ?? bytes.count)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + size)
                c.out += bytes[start ..< end].withUnsafeBytes { c.session.receive($0, direction: direction, time: time) }
                start = end
            }
        }

        for p in payloads where p.l4Type == 6 {
            let forward = (p.source, p.sourcePort) < (p.destination, p.destinationPort)
            let key = forward ? Key(a: p.source, b: p.destination, pa: p.sourcePort, pb: p.destinationPort)
                : Key(a: p.destination, b: p.source, pa: p.destinationPort, pb: p.sourcePort)
            if connections[key] == nil {
                connections[key] = Connection(clientAddress: p.source, clientPort: p.sourcePort, serverPort: p.destinationPort)
                order.append(key)
            }
            guard var c = connections[key] else { continue }
            let direction: Direction = (p.source == c.clientAddress && p.sourcePort == c.clientPort) ? .toServer : .toClient
            var side = c.sides[direction] ?? Side()
            var seq = p.tcpSequence
            var bytes = p.bytes
            let next = side.next ?? seq
            let behind = Int32(bitPattern: next &- seq)
            if behind > 0 {
                // Retransmitted or overlapping: keep only what is new.
                guard Int(behind) < bytes.count else { c.sides[direction] = side; connections[key] = c; continue }
                bytes.removeFirst(Int(behind))
                seq = next
            }
            if seq == next {
                deliver(&c, bytes, direction, p.timestamp)
                side.next = seq &+ UInt32(bytes.count)
                // Held segments that now fit.
                var progressed = true
                while progressed {
                    progressed = false
                    for (index, held) in side.held.enumerated() {
                        let lag = Int32(bitPattern: (side.next ?? 0) &- held.0)
                        guard lag >= 0 else { continue }
                        side.held.remove(at: index)
                        if Int(lag) < held.1.count {
                            deliver(&c, Array(held.1.dropFirst(Int(lag))), direction, p.timestamp)
                            side.next = held.0 &+ UInt32(held.1.count)
                        }
                        progressed = true
                        break
                    }
                }
            } else {
                side.held.append((seq, bytes))
            }
            c.last = p.timestamp
            c.sides[direction] = side
            connections[key] = c
        }
        return order.compactMap { key in
            guard var c = connections[key] else { return nil }
            for direction in [Direction.toServer, .toClient] {
                guard var side = c.sides[direction] else { continue }
                for held in side.held.sorted(by: { Int32(bitPattern: $0.0 &- $1.0) < 0 }) {
                    let missing = Int(Int32(bitPattern: held.0 &- (side.next ?? held.0)))
                    if missing > 0 { c.out += c.session.gap(missing, direction: direction, time: c.last) }
                    if missing >= 0 {
                        deliver(&c, held.1, direction, c.last)
                        side.next = held.0 &+ UInt32(held.1.count)
                    }
                }
            }
            c.out += c.session.finish(time: c.last)
            return TLSConnectionResult(clientPort: c.clientPort, serverPort: c.serverPort, transactions: c.out)
        }
    }
}

/// Hand-built TLS messages for unit tests.
enum TLSBuild {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func u24(_ v: Int) -> [UInt8] { [UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func vec8(_ b: [UInt8]) -> [UInt8] { [UInt8(b.count)] + b }
    static func vec16(_ b: [UInt8]) -> [UInt8] { u16(b.count) + b }
    static func vec24(_ b: [UInt8]) -> [UInt8] { u24(b.count) + b }
    static func list16(_ values: [Int]) -> [UInt8] { vec16(values.flatMap(u16)) }
    static func ext(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + vec16(data) }

    static func sni(_ name: String) -> [UInt8] { ext(0, vec16([0] + vec16(Array(name.utf8)))) }
    static func alpn(_ names: [String]) -> [UInt8] { ext(16, vec16(names.flatMap { vec8(Array($0.utf8)) })) }

    static func clientHello(version: Int = 0x0303, ciphers: [Int], extensions: [[UInt8]]?,
                            sessionID: [UInt8] = [], compression: [UInt8] = [0]) -> [UInt8] {
        var body = u16(version) + [UInt8](repeating: 0x11, count: 32) + vec8(sessionID) + list16(ciphers) + vec8(compression)
        if let extensions { body += vec16(extensions.flatMap { $0 }) }
        return handshake(1, body)
    }

    static func serverHello(version: Int = 0x0303, cipher: Int, extensions: [[UInt8]]? = [],
                            sessionID: [UInt8] = [], random: [UInt8]? = nil) -> [UInt8] {
        var body = u16(version) + (random ?? [UInt8](repeating: 0x22, count: 32)) + vec8(sessionID) + u16(cipher) + [0]
        if let extensions { body += vec16(extensions.flatMap { $0 }) }
        return handshake(2, body)
    }

    static func handshake(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type] + u24(body.count) + body }
    static func record(_ type: UInt8, _ body: [UInt8], version: Int = 0x0303) -> [UInt8] {
        [type] + u16(version) + vec16(body)
    }
    /// Splits `message` into handshake records of at most `size` bytes each.
    static func records(_ message: [UInt8], size: Int) -> [UInt8] {
        stride(from: 0, to: message.count, by: size).flatMap { record(22, Array(message[$0 ..< min(message.count, $0 + size)])) }
    }
}
