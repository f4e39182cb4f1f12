import TestSupport
import Dissection
@testable import Flows
import Testing

@Suite struct FlowTableTests {
    static let s = FlowConfig.second

    static func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16) -> FlowTuple {
        FlowTuple(source: ip(src), destination: ip(dst), protocolNumber: 6, sourcePort: sport, destinationPort: dport)
    }

    static func config(timeout: Int64 = 30 * s, period: Int64? = nil, maxFlows: Int = 1000) -> FlowConfig {
        var c = FlowConfig()
        c.timeout = timeout
        c.period = period
        c.maxFlows = maxFlows
        return c
    }

    @Test func bothDirectionsOneFlowOrientedFromInitiator() throws {
        // The initiator has the larger address, so it is not the key's first endpoint.
        let out = Self.tcp("10.0.0.9", 40000, "10.0.0.1", 80)
        var table = FlowTable(config: Self.config())
        var reports: [FlowReport] = []
        let r1 = table.update(out, vlans: VLANStack(), time: 1_000, frame: 1, capturedBytes: 60, wireBytes: 74,
                              tcpFlags: TCPInfo.syn) { reports.append($0) }
        let r2 = table.update(out.reversed, vlans: VLANStack(), time: 2_000, frame: 2, capturedBytes: 60, wireBytes: 60,
                              tcpFlags: TCPInfo.syn | TCPInfo.ack) { reports.append($0) }
        let r3 = table.update(out, vlans: VLANStack(), time: 3_000, frame: 3, capturedBytes: 52, wireBytes: 52,
                              tcpFlags: TCPInfo.ack) { reports.append($0) }
        #expect(table.count == 1 && table.counters.created == 1)
        #expect([r1.fromInitiator, r2.fromInitiator, r3.fromInitiator] == [true, false, true])
        #expect(r1.id == r2.id && r2.id == r3.id && r1.communityID == r3.communityID)
        #expect(reports.isEmpty)
        table.flush { reports.append($0) }
        let report = try #require(reports.first)
        #expect(reports.count == 1)
        #expect(report.tuple == out)
        #expect(report.final && report.reason == .end)
        #expect(report.start == 1_000 && report.end == 3_000 && report.firstFrame == 1)
        #expect(report.source == FlowDirectionStats(packets: 2, capturedBytes: 112, wireBytes: 126, tcpFlags: TCPInfo.syn | TCPInfo.ack))
        #expect(report.destination == FlowDirectionStats(packets: 1, capturedBytes: 60, wireBytes: 60, tcpFlags: TCPInfo.syn | TCPInfo.ack))
        #expect(report.id == r1.id)
        #expect(table.count == 0 && table.counters.ended == 1)
    }

    @Test func initiatorWithSmallerAddress() throws {
        let out = Self.tcp("10.0.0.1", 40000, "10.0.0.9", 80)
        var table = FlowTable(config: Self.config())
        var reports: [FlowReport] = []
        table.update(out.reversed, vlans: VLANStack(), time: 1, frame: 1, capturedBytes: 10, wireBytes: 10) { reports.append($0) }
        table.update(out, vlans: VLANStack(), time: 2, frame: 2, capturedBytes: 20, wireBytes: 20) { reports.append($0) }
        table.flush { reports.append($0) }
        let report = try #require(reports.first)
        #expect(report.tuple == out.reversed)
        #expect(report.source.capturedBytes == 10 && report.destination.capturedBytes == 20)
    }

    @Test func vlansSeparateFlows() {
        let t = Self.tcp("192.0.2.1", 1000, "192.0.2.2", 2000)
        var a = VLANStack(); _ = a.push(10)
        var b = VLANStack(); _ = b.push(20)
        var table = FlowTable(config: Self.config())
        var reports: [FlowReport] = []
        let ra = table.update(t, vlans: a, time: 1, frame: 1, capturedBytes: 1, wireBytes: 1) { reports.append($0) }
        let rb = table.update(t.reversed, vlans: b, time: 2, frame: 2, capturedBytes: 1, wireBytes: 1) { reports.append($0) }
        let rn = table.update(t, vlans: VLANStack(), time: 3, frame: 3, capturedBytes: 1, wireBytes: 1) { reports.append($0) }
        #expect(table.count == 3)
        #expect(Set([ra.id, rb.id, rn.id]).count == 3)
        // Community ID ignores VLANs.
        #expect(ra.communityID == rb.communityID)
        table.flush { reports.append($0) }
        #expect(Set(reports.map { $0.vlans.ids }) == [[10], [20], []])
        #expect(reports.allSatisfy { $0.source.packets == 1 && $0.destination.packets == 0 })
    }

    @Test func timeoutAfterIdlePeriod() throws {
        let timeout = 5 * Self.s
        let t = Self.tcp("10.1.1.1", 1, "10.2.2.2", 2)
        var table = FlowTable(config: Self.config(timeout: timeout))
        var reports: [(at: Int64, report: FlowReport)] = []
        var now: Int64 = 100 * Self.s
        let first = table.update(t, vlans: VLANStack(), time: now, frame: 1, capturedBytes: 1, wireBytes: 1) { reports.append((now, $0)) }
        let lastPacket = now + Self.s / 2
        now = lastPacket
        table.update(t, vlans: VLANStack(), time: now, frame: 2, capturedBytes: 1, wireBytes: 1) { reports.append((now, $0)) }
        while now < lastPacket + 3 * timeout {
            now += Self.s / 4
            table.advance(to: now) { reports.append((now, $0)) }
        }
        let (at, report) = try #require(reports.first)
        #expect(reports.count == 1)
        #expect(report.final && report.reason == .timeout)
        #expect(report.end == lastPacket && report.id == first.id)
        #expect(at >= lastPacket + timeout, "not before the timeout")
        #expect(at <= lastPacket + timeout + Self.s, "within one sweep interval of it")
        #expect(table.count == 0 && table.counters.timedOut == 1)
        // The same tuple later is a new flow with a new id.
        let again = table.update(t, vlans: VLANStack(), time: now, frame: 99, capturedBytes: 1, wireBytes: 1) { _ in }
        #expect(again.id != first.id && table.counters.created == 2)
    }

    @Test func periodicReportsOnlyForActiveFlows() {
        let a = Self.tcp("10.0.0.1", 1, "10.0.0.2", 2)
        let b = Self.tcp("10.0.0.3", 3, "10.0.0.4", 4)
        var table = FlowTable(config: Self.config(timeout: 600 * Self.s, period: 10 * Self.s))
        var reports: [(at: Int64, report: FlowReport)] = []
        func packet(_ t: FlowTuple, _ sec: Int64, _ frame: UInt64) {
            table.update(t, vlans: VLANStack(), time: sec * Self.s, frame: frame, capturedBytes: 10, wireBytes: 10) { reports.append((sec, $0)) }
        }
        func advance(_ sec: Int64) { table.advance(to: sec * Self.s) { reports.append((sec, $0)) } }
        packet(a, 1, 1)
        packet(b, 2, 2)
        advance(9)
        #expect(reports.isEmpty)
        advance(10)
        #expect(reports.map(\.at) == [10, 10])
        #expect(reports.allSatisfy { !$0.report.final && $0.report.reason == .period })
        #expect(Set(reports.map(\.report.tuple)) == [a, b])
        reports.removeAll()
        packet(a, 12, 3)
        packet(a, 13, 4)
        advance(19)
        #expect(reports.isEmpty)
        advance(20)
        #expect(reports.count == 1)
        #expect(reports.first?.report.tuple == a && reports.first?.report.source.packets == 3)
        reports.removeAll()
        advance(45)  // jumps several boundaries; nothing was active
        #expect(reports.isEmpty)
        packet(b, 46, 5)
        advance(50)
        #expect(reports.map(\.report.tuple) == [b])
        #expect(reports.first?.report.source.packets == 2)
        reports.removeAll()
        table.flush { reports.append((99, $0)) }
        #expect(reports.count == 2 && reports.allSatisfy { $0.report.final && $0.report.reason == .end })
    }

    @Test func periodDisabled() {
        let a = Self.tcp("10.0.0.1", 1, "10.0.0.2", 2)
        var table = FlowTable(config: Self.config(timeout: 600 * Self.s, period: nil))
        var reports: [FlowReport] = []
        for sec in 0..<100 {
            table.update(a, vlans: VLANStack(), time: Int64(sec) * Self.s, frame: UInt64(sec + 1), capturedBytes: 1, wireBytes: 1) { reports.append($0) }
        }
        #expect(reports.isEmpty)
        table.flush { reports.append($0) }
        #expect(reports.count == 1 && reports.first?.source.packets == 100 && reports.first?.reason == .end)
    }

    @Test func evictionAtMaxFlows() throws {
        var table = FlowTable(config: Self.config(timeout: 600 * Self.s, maxFlows: 4))
        var reports: [FlowReport] = []
        var tuples: [FlowTuple] = []
        for i in 0..<4 {
            let t = Self.tcp("10.0.0.1", UInt16(1000 + i), "10.0.0.2", 80)
            tuples.append(t)
            table.update(t, vlans: VLANStack(), time: Int64(10 - i) * Self.s, frame: UInt64(i + 1), capturedBytes: 1, wireBytes: 1) { reports.append($0) }
        }
        // Flow 0 is seen again last; flow 3 (7 s) is now the least recently seen.
        table.update(tuples[0], vlans: VLANStack(), time: 20 * Self.s, frame: 5, capturedBytes: 1, wireBytes: 1) { reports.append($0) }
        #expect(reports.isEmpty)
        let newcomer = Self.tcp("10.0.0.1", 9999, "10.0.0.2", 80)
        table.update(newcomer, vlans: VLANStack(), time: 21 * Self.s, frame: 6, capturedBytes: 1, wireBytes: 1) { reports.append($0) }
        let evicted = try #require(reports.first)
        #expect(reports.count == 1)
        #expect(evicted.reason == .evicted && evicted.final)
        // Times were 20 (flow 0), 9, 8, 7 s: flow 3 was least recently seen.
        #expect(evicted.tuple == tuples[3])
        #expect(table.count == 4 && table.counters.evicted == 1)
        reports.removeAll()
        table.flush { reports.append($0) }
        #expect(Set(reports.map(\.tuple)) == Set([tuples[0], tuples[1], tuples[2], newcomer]))
        #expect(table.counters.ended == 4)
    }

    @Test func flowIDsAreStableAndDeterministic() {
        func run(capture: UInt64) -> [FlowReport] {
            var table = FlowTable(config: Self.config(timeout: 600 * Self.s, period: 10 * Self.s), captureID: capture)
            var reports: [FlowReport] = []
            let t = Self.tcp("10.0.0.1", 1, "10.0.0.2", 2)
            for sec in [1, 11, 21] as [Int64] {
                table.update(t, vlans: VLANStack(), time: sec * Self.s, frame: UInt64(sec), capturedBytes: 1, wireBytes: 1) { reports.append($0) }
            }
            table.flush { reports.append($0) }
            return reports
        }
        let first = run(capture: 7)
        #expect(first.count == 3)
        #expect(Set(first.map(\.id)).count == 1, "one id across period and final reports")
        #expect(run(capture: 7).map(\.id) == first.map(\.id))
        #expect(run(capture: 8).first?.id != first.first?.id)
        let key = FlowKey.canonical(Self.tcp("10.0.0.1", 1, "10.0.0.2", 2), vlans: VLANStack()).key
        #expect(first.first?.id == key.id(capture: 7, firstFrame: 1))
    }
}
