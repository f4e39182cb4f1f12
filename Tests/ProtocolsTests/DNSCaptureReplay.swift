import Capture
import Dissection
import Foundation
import Testing
@testable import Protocols

/// Replays a capture's payloads through one protocol session per flow, the
/// way the decoder will: UDP datagrams one by one, TCP bytes in sequence
/// order per direction (retransmitted bytes dropped, holes reported as gaps).
struct CaptureReplay<Session: ProtocolSession> {
    struct Output {
        var transaction: Session.Transaction
        var flow: Int
        var client: (address: IPAddress, port: UInt16)
        var server: (address: IPAddress, port: UInt16)
    }

    private struct FlowState {
        var session: Session
        var client: (address: IPAddress, port: UInt16)
        var server: (address: IPAddress, port: UInt16)
        var next: [Direction: UInt32] = [:]
    }

    let serverPorts: Set<UInt16>
    let makeSession: (_ l4Type: UInt8) -> Session

    /// Frame numbers by packet time, to name the frame of a transaction's message.
    private(set) var framesByTime: [Int64: UInt64] = [:]

    mutating func run(_ payloads: [CapturePayload]) -> [Output] {
        var flows: [String: Int] = [:]
        var states: [FlowState] = []
        var out: [Output] = []
        var lastTime: Int64 = 0
        for p in payloads {
            framesByTime[p.timestamp] = framesByTime[p.timestamp] ?? p.frame
            lastTime = max(lastTime, p.timestamp)
            let a = "\(p.source)|\(p.sourcePort)", b = "\(p.destination)|\(p.destinationPort)"
            let key = "\(p.l4Type)|" + (a < b ? a + "|" + b : b + "|" + a)
            let index: Int
            if let known = flows[key] {
                index = known
            } else {
                index = states.count
                flows[key] = index
                let toServer = serverPorts.contains(p.destinationPort) || !serverPorts.contains(p.sourcePort)
                let src = (p.source, p.sourcePort), dst = (p.destination, p.destinationPort)
                states.append(FlowState(session: makeSession(p.l4Type), client: toServer ? src : dst, server: toServer ? dst : src))
            }
            let direction: Direction = (p.source == states[index].client.address && p.sourcePort == states[index].client.port)
                ? .toServer : .toClient
            var produced: [Session.Transaction] = []
            if p.l4Type == IPProtocol.tcp {
                var bytes = p.bytes[...]
                var sequence = p.tcpSequence
                if let expected = states[index].next[direction] {
                    let ahead = Int32(bitPattern: sequence &- expected)
                    if ahead < 0 {
                        bytes = bytes.dropFirst(Int(-ahead))
                        sequence = expected
                    } else if ahead > 0 {
                        produced += states[index].session.gap(Int(ahead), direction: direction, time: p.timestamp)
                    }
                }
                if !bytes.isEmpty {
                    produced += Array(bytes).withUnsafeBytes { states[index].session.receive($0, direction: direction, time: p.timestamp) }
                    states[index].next[direction] = sequence &+ UInt32(bytes.count)
                }
            } else {
                produced += p.bytes.withUnsafeBytes { states[index].session.receive($0, direction: direction, time: p.timestamp) }
            }
            out += produced.map { Output(transaction: $0, flow: index, client: states[index].client, server: states[index].server) }
        }
        for index in states.indices {
            let state = states[index]
            out += states[index].session.finish(time: lastTime).map {
                Output(transaction: $0, flow: index, client: state.client, server: state.server)
            }
        }
        return out
    }
}

/// One line per capture and a total, as the conformance suites print them.
struct ConformanceReport {
    private(set) var lines: [String] = []
    private(set) var matched = 0
    private(set) var total = 0
    private(set) var fieldsCompared = 0

    /// Compares `ours` with `theirs` under `name`; returns whether they agree.
    @discardableResult
    mutating func compare<T: Equatable>(_ name: String, _ ours: T, _ theirs: T, into problems: inout [String]) -> Bool {
        fieldsCompared += 1
        if ours != theirs { problems.append("\(name): ours \(ours) expected \(theirs)"); return false }
        return true
    }

    mutating func record(_ capture: String, _ problems: [String], note: String = "") {
        total += 1
        if problems.isEmpty { matched += 1 }
        let line = "\(capture): " + (problems.isEmpty ? "match" : problems.joined(separator: "; ")) + (note.isEmpty ? "" : " (\(note))")
        lines.append(line)
        print(line)
    }

    /// Prints the total and fails the test unless captures were compared and every one matched.
    func finish(_ suite: String, sourceLocation: SourceLocation = #_sourceLocation) {
        print("\(suite): \(matched)/\(total) captures match, \(fieldsCompared) fields compared")
        #expect(total > 0 && fieldsCompared > 0, "\(suite) compared nothing", sourceLocation: sourceLocation)
        #expect(matched == total, "\(lines.filter { !$0.hasSuffix("match") })", sourceLocation: sourceLocation)
    }
}
