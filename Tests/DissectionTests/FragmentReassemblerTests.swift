import TestSupport
import Dissection
import Testing

@Suite struct FragmentReassemblerTests {
    typealias R = FragmentReassembler
    static let key = R.Key(source: ip("192.0.2.1"), destination: ip("192.0.2.2"), protocolNumber: 17,
                           identification: 42, vlans: VLANStack())
    static let datagram = Build.bytes(64, start: 1)

    static func piece(_ n: UInt64) -> R.Piece { R.Piece(frame: n, capturedBytes: 100 + Int(n), wireBytes: 200 + Int(n)) }

    @discardableResult
    static func add(_ r: inout R, key: R.Key = key, _ bytes: [UInt8], at offset: Int, more: Bool, frame: UInt64,
                    time: Int64 = 0) -> R.Outcome {
        bytes.withUnsafeBytes { r.add(key: key, offset: offset, moreFragments: more, payload: $0, piece: piece(frame), time: time) }
    }

    static func slice(_ range: Range<Int>) -> [UInt8] { Array(datagram[range]) }

    static func complete(_ o: R.Outcome) -> (payload: [UInt8], frames: [UInt64], anomalies: [String])? {
        if case .complete(let payload, let pieces, let anomalies) = o { return (payload, pieces.map(\.frame), names(anomalies)) }
        return nil
    }

    static func rejected(_ o: R.Outcome) -> (frames: [UInt64], anomalies: [String])? {
        if case .rejected(let pieces, let anomalies) = o { return (pieces.map(\.frame), names(anomalies)) }
        return nil
    }

    static func isPending(_ o: R.Outcome) -> Bool { if case .pending = o { true } else { false } }

    @Test func inOrder() throws {
        var r = R()
        #expect(Self.isPending(Self.add(&r, Self.slice(0..<24), at: 0, more: true, frame: 1)))
        #expect(Self.isPending(Self.add(&r, Self.slice(24..<48), at: 24, more: true, frame: 2)))
        #expect(r.pendingCount == 1)
        let done = try #require(Self.complete(Self.add(&r, Self.slice(48..<64), at: 48, more: false, frame: 3)))
        #expect(done.payload == Self.datagram && done.frames == [1, 2, 3] && done.anomalies == [])
        #expect(r.pendingCount == 0 && r.counters.completed == 1)
        // The piece keeps its own sizes.
        if case .complete(_, let pieces, _) = Self.add(&r, Self.datagram, at: 0, more: false, frame: 9) {
            #expect(pieces == [R.Piece(frame: 9, capturedBytes: 109, wireBytes: 209)])
        } else { Issue.record("a single unfragmented piece completes at once") }
    }

    @Test func outOfOrder() throws {
        var r = R()
        #expect(Self.isPending(Self.add(&r, Self.slice(48..<64), at: 48, more: false, frame: 1)))
        #expect(Self.isPending(Self.add(&r, Self.slice(0..<24), at: 0, more: true, frame: 2)))
        let done = try #require(Self.complete(Self.add(&r, Self.slice(24..<48), at: 24, more: true, frame: 3)))
        #expect(done.payload == Self.datagram && done.frames == [1, 2, 3] && done.anomalies == [])
    }

    @Test func overlapWithSameBytes() throws {
        var r = R()
        Self.add(&r, Self.slice(0..<32), at: 0, more: true, frame: 1)
        Self.add(&r, Self.slice(16..<48), at: 16, more: true, frame: 2)
        let done = try #require(Self.complete(Self.add(&r, Self.slice(40..<64), at: 40, more: false, frame: 3)))
        #expect(done.payload == Self.datagram)
        #expect(done.anomalies == names([.fragmentOverlap]))
    }

    @Test func exactDuplicateIsAnOverlap() throws {
        var r = R()
        Self.add(&r, Self.slice(0..<32), at: 0, more: true, frame: 1)
        Self.add(&r, Self.slice(0..<32), at: 0, more: true, frame: 2)
        let done = try #require(Self.complete(Self.add(&r, Self.slice(32..<64), at: 32, more: false, frame: 3)))
        #expect(done.payload == Self.datagram && done.frames == [1, 2, 3])
        #expect(done.anomalies == names([.fragmentOverlap]))
    }

    @Test func overlapConflictKeepsFirstArrival() throws {
        var r = R()
        Self.add(&r, Self.slice(0..<24), at: 0, more: true, frame: 1)
        Self.add(&r, Self.slice(40..<64), at: 40, more: false, frame: 2)
        // Covers 16..<48: its 16..<24 and 40..<48 conflict, 24..<40 fills the gap.
        let forged = [UInt8](repeating: 0xee, count: 32)
        let done = try #require(Self.complete(Self.add(&r, forged, at: 16, more: true, frame: 3)))
        var expected = Self.datagram
        for i in 24..<40 { expected[i] = 0xee }
        #expect(done.payload == expected)
        #expect(done.anomalies == names([.fragmentOverlap, .fragmentOverlapConflict]))
    }

    @Test func lateConflictingCopyDoesNotReplace() throws {
        var r = R()
        Self.add(&r, Self.slice(0..<32), at: 0, more: true, frame: 1)
        var altered = Self.slice(0..<32)
        altered[5] ^= 0xff
        Self.add(&r, altered, at: 0, more: true, frame: 2)
        let done = try #require(Self.complete(Self.add(&r, Self.slice(32..<64), at: 32, more: false, frame: 3)))
        #expect(done.payload == Self.datagram)
        #expect(done.anomalies == names([.fragmentOverlap, .fragmentOverlapConflict]))
    }

    @Test func missingPieceExpiresOnFlush() {
        var r = R()
        Self.add(&r, Self.slice(0..<24), at: 0, more: true, frame: 4)
        Self.add(&r, Self.slice(48..<64), at: 48, more: false, frame: 6)
        let other = R.Key(source: ip("192.0.2.1"), destination: ip("192.0.2.2"), protocolNumber: 17, identification: 43, vlans: VLANStack())
        Self.add(&r, key: other, Self.slice(0..<8), at: 0, more: true, frame: 2)
        let expired = r.flush()
        #expect(expired.map { $0.pieces.map(\.frame) } == [[2], [4, 6]])
        #expect(expired.map(\.key) == [other, Self.key])
        #expect(expired.allSatisfy { names($0.anomalies) == names([.fragmentIncomplete]) })
        #expect(r.pendingCount == 0 && r.counters.expired == 2 && r.counters.completed == 0)
        #expect(r.flush().isEmpty)
    }

    @Test func keysSeparateDatagrams() throws {
        var r = R()
        var vlanned = VLANStack()
        _ = vlanned.push(10)
        let k2 = R.Key(source: Self.key.source, destination: Self.key.destination, protocolNumber: 17, identification: 42, vlans: vlanned)
        Self.add(&r, Self.slice(0..<32), at: 0, more: true, frame: 1)
        #expect(Self.isPending(Self.add(&r, key: k2, Self.slice(32..<64), at: 32, more: false, frame: 2)))
        #expect(r.pendingCount == 2)
    }

    @Test func tableFull() throws {
        var limits = R.Limits()
        limits.maxDatagrams = 2
        var r = R(limits: limits)
        for id in 0..<2 {
            let k = R.Key(source: ip("10.0.0.1"), destination: ip("10.0.0.2"), protocolNumber: 6, identification: UInt32(id), vlans: VLANStack())
            #expect(Self.isPending(Self.add(&r, key: k, Self.slice(0..<8), at: 0, more: true, frame: UInt64(id + 1))))
        }
        let third = R.Key(source: ip("10.0.0.1"), destination: ip("10.0.0.2"), protocolNumber: 6, identification: 9, vlans: VLANStack())
        let refused = try #require(Self.rejected(Self.add(&r, key: third, Self.slice(0..<8), at: 0, more: true, frame: 3)))
        #expect(refused.frames == [3] && refused.anomalies == names([.fragmentTableFull]))
        #expect(r.counters.rejected == 1 && r.pendingCount == 2)
        // A datagram already held still takes pieces.
        let k0 = R.Key(source: ip("10.0.0.1"), destination: ip("10.0.0.2"), protocolNumber: 6, identification: 0, vlans: VLANStack())
        #expect(Self.complete(Self.add(&r, key: k0, Self.slice(8..<16), at: 8, more: false, frame: 4)) != nil)
    }

    @Test func tooManyPieces() throws {
        var limits = R.Limits()
        limits.maxFragments = 3
        var r = R(limits: limits)
        for i in 0..<3 { #expect(Self.isPending(Self.add(&r, Self.slice(i * 8 ..< i * 8 + 8), at: i * 8, more: true, frame: UInt64(i + 1)))) }
        let refused = try #require(Self.rejected(Self.add(&r, Self.slice(24..<32), at: 24, more: true, frame: 4)))
        #expect(refused.frames == [1, 2, 3, 4] && refused.anomalies == names([.fragmentTooMany]))
        #expect(r.pendingCount == 0 && r.counters.rejected == 1)
    }

    @Test func tooLarge() throws {
        var r = R()
        let piece = [UInt8](repeating: 7, count: 16)
        #expect(Self.isPending(Self.add(&r, Self.slice(0..<8), at: 0, more: true, frame: 1)))
        // Ends at 65_528 + 16 = 65_544 > 65_535.
        let refused = try #require(Self.rejected(Self.add(&r, piece, at: 65_528, more: false, frame: 2)))
        #expect(refused.frames == [1, 2] && refused.anomalies == names([.fragmentTooLarge]))
        // Exactly 65_535 is allowed.
        var ok = R()
        #expect(Self.isPending(Self.add(&ok, [UInt8](repeating: 1, count: 15), at: 65_520, more: false, frame: 1)))
    }

    @Test func inconsistentEnd() throws {
        var r = R()
        Self.add(&r, Self.slice(48..<64), at: 48, more: false, frame: 1)
        let refused = try #require(Self.rejected(Self.add(&r, Self.slice(32..<56), at: 32, more: false, frame: 2)))
        #expect(refused.frames == [1, 2] && refused.anomalies == names([.fragmentInconsistentEnd]))
        // A piece reaching past a known end, and a last piece ending before
        // data already held, are refused the same way.
        var beyond = R()
        Self.add(&beyond, Self.slice(32..<48), at: 32, more: false, frame: 1)
        let past = try #require(Self.rejected(Self.add(&beyond, Self.slice(40..<64), at: 40, more: true, frame: 2)))
        #expect(past.frames == [1, 2] && past.anomalies == names([.fragmentInconsistentEnd]))
        var short = R()
        Self.add(&short, Self.slice(40..<64), at: 40, more: true, frame: 1)
        let cut = try #require(Self.rejected(Self.add(&short, Self.slice(32..<48), at: 32, more: false, frame: 2)))
        #expect(cut.frames == [1, 2] && cut.anomalies == names([.fragmentInconsistentEnd]))
        // The same last fragment twice is only an overlap.
        var same = R()
        Self.add(&same, Self.slice(48..<64), at: 48, more: false, frame: 1)
        Self.add(&same, Self.slice(48..<64), at: 48, more: false, frame: 2)
        let done = try #require(Self.complete(Self.add(&same, Self.slice(0..<48), at: 0, more: true, frame: 3)))
        #expect(done.anomalies == names([.fragmentOverlap]))
    }

    @Test func timeoutExpiry() {
        var limits = R.Limits()
        limits.timeout = 10
        var r = R(limits: limits)
        Self.add(&r, Self.slice(0..<8), at: 0, more: true, frame: 1, time: 100)
        Self.add(&r, Self.slice(8..<16), at: 8, more: true, frame: 2, time: 105)
        #expect(r.expire(now: 115).isEmpty, "idle exactly the timeout is kept")
        let gone = r.expire(now: 116)
        #expect(gone.map { $0.pieces.map(\.frame) } == [[1, 2]])
        #expect(gone.first.map { names($0.anomalies) } == names([.fragmentIncomplete]))
        #expect(r.pendingCount == 0 && r.counters.expired == 1)
        // A late piece starts afresh.
        #expect(Self.isPending(Self.add(&r, Self.slice(16..<24), at: 16, more: false, frame: 3, time: 117)))
    }
}
