import Testing
import TestSupport
@testable import Protocols

/// The deadline queue alone, then the engine's expiry through it: what
/// expires, when, in which order, and only once.
@Suite("Deadline queue")
struct DeadlineQueueTests {
    typealias Feeder = ApplicationLayerTests.Feeder

    static func entry(_ deadline: Int64, slot: Int32 = 0) -> DeadlineQueue.Entry {
        DeadlineQueue.Entry(deadline: deadline, slot: slot)
    }

    /// Everything due by `now`, in the order it pops.
    static func drain(_ queue: inout DeadlineQueue, by now: Int64) -> [Int64] {
        var popped: [Int64] = []
        while let entry = queue.popDue(by: now) { popped.append(entry.deadline) }
        return popped
    }

    @Test("Entries pop earliest first, only once due, and the rest stay queued")
    func expiryOrder() {
        var queue = DeadlineQueue()
        var random = SplitMix64(seed: 7)
        let deadlines = (0 ..< 500).map { _ in Int64.random(in: 0 ..< 1_000, using: &random) }
        for (slot, deadline) in deadlines.enumerated() { queue.insert(Self.entry(deadline, slot: Int32(slot))) }
        #expect(queue.popDue(by: -1) == nil)
        let early = Self.drain(&queue, by: 499)
        #expect(early == deadlines.filter { $0 <= 499 }.sorted())
        #expect(queue.count == deadlines.count - early.count)
        #expect(Self.drain(&queue, by: .max) == deadlines.filter { $0 > 499 }.sorted())
        #expect(queue.count == 0)
    }

    @Test("Re-arming between pops keeps the order: what is inserted late still pops in its place")
    func rearming() {
        var queue = DeadlineQueue()
        for deadline: Int64 in [50, 10, 30] { queue.insert(Self.entry(deadline)) }
        #expect(Self.drain(&queue, by: 10) == [10])
        for deadline: Int64 in [20, 60, 15, 30] { queue.insert(Self.entry(deadline)) }
        #expect(Self.drain(&queue, by: 30) == [15, 20, 30, 30])
        queue.insert(Self.entry(40))
        #expect(Self.drain(&queue, by: .max) == [40, 50, 60])
    }

    @Test("Lots of entries, inserted and popped in rounds, come out sorted")
    func lotsOfEntries() {
        var queue = DeadlineQueue()
        var random = SplitMix64(seed: 11)
        var model: [Int64] = []
        var now: Int64 = 0
        for _ in 0 ..< 50 {
            for _ in 0 ..< 2_000 {
                let deadline = now + Int64.random(in: 0 ..< 10_000, using: &random)
                queue.insert(Self.entry(deadline, slot: Int32.random(in: 0 ..< 1_000, using: &random)))
                model.append(deadline)
            }
            now += 2_500
            let popped = Self.drain(&queue, by: now)
            model.sort()
            let due = model.prefix { $0 <= now }
            #expect(popped == Array(due))
            model.removeFirst(due.count)
        }
        #expect(queue.count == model.count)
    }

    // MARK: Through the engine

    /// A DNS timeout of 5 ms: expiry ticks every 5 ms of packet time, one packet per millisecond.
    static func shortTimeouts() -> ApplicationConfig {
        var config = ApplicationConfig()
        config[.dns].transactionTimeout = 5_000_000
        return config
    }

    /// Packets on an unclaimed flow, to move time on.
    static func idle(_ feeder: inout Feeder, _ count: Int) {
        for _ in 0 ..< count { feeder.udp(999, fromInitiator: true, sport: 4000, dport: 4001, [0]) }
    }

    @Test("A deadline that moved later is queued again: the second query expires at its own deadline, once")
    func deadlineMovesLater() throws {
        var feeder = Feeder(Self.shortTimeouts())
        feeder.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1))
        feeder.udp(1, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 1))
        Self.idle(&feeder, 3)
        feeder.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 2, "late.example"))
        // Ticks at 1, 6, 11, 16 ms: the first query's deadline (7 ms) comes up at 11 ms with the
        // second (of 6 ms) not yet due; that one is due at 12 ms, so at the 16 ms tick.
        var reportedAt: [UInt64] = []
        for _ in 7 ... 20 {
            let before = feeder.dns.count
            Self.idle(&feeder, 1)
            if feeder.dns.count > before { reportedAt.append(feeder.frame) }
        }
        #expect(reportedAt == [16])
        #expect(feeder.dns.map(\.status) == [.complete, .unanswered])
        let expired = try #require(feeder.dns.last)
        #expect(expired.question?.name == "late.example" && expired.requestTime == 6_000_000)
        #expect(feeder.layer.finishAll().isEmpty)
    }

    @Test("After a flow's query expires its next one is queued, and expires a tick later")
    func rearmedAfterExpiry() {
        var feeder = Feeder(Self.shortTimeouts())
        var reportedAt: [UInt64] = []
        func step(_ send: (inout Feeder) -> Void) {
            let before = feeder.dns.count
            send(&feeder)
            reportedAt += Array(repeating: feeder.frame, count: feeder.dns.count - before)
        }
        step { Self.idle(&$0, 1) }
        step { $0.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1)) }
        for _ in 3 ... 6 { step { Self.idle(&$0, 1) } }
        step { $0.udp(1, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 2)) }
        for _ in 8 ... 20 { step { Self.idle(&$0, 1) } }
        // Ticks at 1, 6, 11, 16 ms: the queries of 2 and 7 ms are due at 8 and 13 ms.
        #expect(reportedAt == [11, 16])
        #expect(feeder.dns.map(\.id) == [1, 2])
    }

    @Test("Lots of flows: every unanswered query expires once, at the first tick past its deadline, in slot order")
    func lotsOfFlows() {
        let timeout: Int64 = 5_000_000
        var feeder = Feeder(Self.shortTimeouts())
        var random = SplitMix64(seed: 3)
        var unanswered: [(flow: UInt64, time: Int64)] = []
        var reported: [(flow: UInt64, frame: UInt64)] = []
        func note(_ feeder: Feeder, since before: Int) {
            for t in feeder.out[before...] where t.as(DNSTransaction.self)?.status == .unanswered {
                reported.append((t.context.flow, feeder.frame))
            }
        }
        let flows = UInt64(1) ... 3_000
        // Slots in flow order; then queries in another order, so deadline order is not slot order.
        for flow in flows {
            feeder.udp(flow, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 1))
            feeder.udp(flow, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 1))
        }
        for flow in flows.shuffled(using: &random) {
            let before = feeder.out.count
            guard Bool.random(using: &random) else {
                Self.idle(&feeder, 1)
                note(feeder, since: before)
                continue
            }
            feeder.udp(flow, fromInitiator: true, sport: 5353, dport: 53, DNSBuild.query(id: 2))
            note(feeder, since: before)
            if Int.random(in: 0 ..< 4, using: &random) == 0 {
                let before = feeder.out.count
                feeder.udp(flow, fromInitiator: false, sport: 53, dport: 5353, DNSBuild.response(id: 2))
                note(feeder, since: before)
            } else {
                unanswered.append((flow, Int64(feeder.frame) * 1_000_000))
            }
        }
        // Packet n is at n ms; ticks are every 5 ms from the first packet (frames 1, 6, 11, …).
        let expected = unanswered.map { query -> (flow: UInt64, frame: UInt64) in
            let due = UInt64((query.time + timeout) / 1_000_000 + 1)
            return (query.flow, (due + 3) / 5 * 5 + 1)
        }.filter { $0.frame <= feeder.frame }.sorted { ($0.frame, $0.flow) < ($1.frame, $1.flow) }
        #expect(reported.count == expected.count)
        #expect(reported.map(\.flow) == expected.map(\.flow))
        #expect(reported.map(\.frame) == expected.map(\.frame))
        #expect(reported.count > 1_000)
    }
}
