import Protocols
import Testing

/// Owned copies of what a reassembler delivered, for comparison.
enum Delivered: Equatable, CustomStringConvertible {
    case data([UInt8])
    case gap(Int)
    case end

    var description: String {
        switch self {
        case .data(let bytes): "data(\(String(decoding: bytes, as: UTF8.self)))"
        case .gap(let n): "gap(\(n))"
        case .end: "end"
        }
    }
}

/// Drives a reassembler with owned byte arrays and keeps what it delivers per direction.
struct StreamHarness {
    var reassembler: TCPStreamReassembler
    var delivered: [Direction: [Delivered]] = [.toServer: [], .toClient: []]

    init(limits: TCPStreamReassembler.Limits = .init()) { reassembler = TCPStreamReassembler(limits: limits) }

    mutating func send(_ direction: Direction = .toServer, _ sequence: UInt32, _ text: String = "",
                       flags: TCPSegment.Flags = []) {
        send(direction, sequence, Array(text.utf8), flags: flags)
    }

    mutating func send(_ direction: Direction, _ sequence: UInt32, _ bytes: [UInt8], flags: TCPSegment.Flags = [],
                       uncaptured: Int = 0) {
        var out: [(Direction, Delivered)] = []
        bytes.withUnsafeBytes { payload in
            reassembler.receive(TCPSegment(direction: direction, sequence: sequence, flags: flags, payload: payload,
                                           uncapturedLength: uncaptured)) {
                out.append(($0.direction, Self.own($0.kind)))
            }
        }
        for (d, item) in out { append(item, to: d) }
    }

    mutating func finish() {
        var out: [(Direction, Delivered)] = []
        reassembler.finish { out.append(($0.direction, Self.own($0.kind))) }
        for (d, item) in out { append(item, to: d) }
    }

    mutating func release() {
        var out: [(Direction, Delivered)] = []
        reassembler.releaseBuffers { out.append(($0.direction, Self.own($0.kind))) }
        for (d, item) in out { append(item, to: d) }
    }

    /// Consecutive data deliveries merge, so tests state the stream, not its chunking.
    private mutating func append(_ item: Delivered, to direction: Direction) {
        var list = delivered[direction] ?? []
        if case .data(let more) = item, case .data(let before)? = list.last {
            list[list.count - 1] = .data(before + more)
        } else {
            list.append(item)
        }
        delivered[direction] = list
    }

    static func own(_ kind: StreamDelivery.Kind) -> Delivered {
        switch kind {
        case .data(let bytes): .data(Array(bytes))
        case .gap(let n): .gap(n)
        case .end: .end
        }
    }

    func stream(_ direction: Direction = .toServer) -> [Delivered] { delivered[direction] ?? [] }
}

func text(_ s: String) -> Delivered { .data(Array(s.utf8)) }

@Suite struct TCPStreamReassemblerTests {
    @Test func synSetsTheInitialSequence() {
        var h = StreamHarness()
        h.send(.toServer, 1000, flags: .syn)
        h.send(.toServer, 1001, "hello ")
        h.send(.toServer, 1007, "world")
        #expect(h.stream() == [text("hello world")])
        #expect(!h.reassembler.pickedUpMidStream(.toServer))
    }

    @Test func dataOnTheSynStartsAtIsnPlusOne() {
        var h = StreamHarness()
        h.send(.toServer, 500, "abc", flags: .syn)
        h.send(.toServer, 504, "def")
        #expect(h.stream() == [text("abcdef")])
    }

    @Test func midStreamPickupStartsAtTheFirstSegment() {
        var h = StreamHarness()
        h.send(.toClient, 77_000, "HTTP/1.1 200 OK\r\n")
        h.send(.toClient, 77_017, "\r\n")
        #expect(h.stream(.toClient) == [text("HTTP/1.1 200 OK\r\n\r\n")])
        #expect(h.reassembler.pickedUpMidStream(.toClient))
    }

    @Test func pureAcksDoNotStartADirection() {
        var h = StreamHarness()
        h.send(.toServer, 5)
        h.send(.toServer, 100, "x")
        #expect(h.stream() == [text("x")])
    }

    @Test func retransmissionsAreTrimmedAndCounted() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 1, "abcd")
        h.send(.toServer, 1, "abcd")
        h.send(.toServer, 3, "cdef")
        #expect(h.stream() == [text("abcdef")])
        #expect(h.reassembler.counters.retransmittedSegments == 2)
        #expect(h.reassembler.counters.retransmittedBytes == 6)
    }

    @Test func outOfOrderSegmentsWaitForTheHole() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 7, "ghi")
        h.send(.toServer, 4, "def")
        #expect(h.stream() == [])
        #expect(h.reassembler.bufferedBytes == 6)
        h.send(.toServer, 1, "abc")
        #expect(h.stream() == [text("abcdefghi")])
        #expect(h.reassembler.bufferedBytes == 0)
    }

    @Test func firstSeenBytesWinAndConflictsAreCounted() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 5, "EFGH")      // buffered first
        h.send(.toServer, 1, "abcdefghij") // overlaps it with other bytes
        #expect(h.stream() == [text("abcdEFGHij")])
        #expect(h.reassembler.counters.overlapConflicts == 1)
        #expect(h.reassembler.counters.overlapBytes == 4)
    }

    @Test func retransmissionsAreComparedWithRecentlyDeliveredBytes() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 1, "GOOD")
        h.send(.toServer, 2, "XXX")
        h.send(.toServer, 1, "GOOD")
        #expect(h.stream() == [text("GOOD")])
        #expect(h.reassembler.counters.overlapConflicts == 1)
        #expect(h.reassembler.counters.retransmittedBytes == 7)
    }

    @Test func payloadCutBySnapLengthIsAGap() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 1, Array("head".utf8), uncaptured: 6)   // 10 bytes on the wire, 4 captured
        h.send(.toServer, 11, "next")
        #expect(h.stream() == [text("head"), .gap(6), text("next")])
        #expect(h.reassembler.counters.uncapturedBytes == 6)
        var o = StreamHarness()
        o.send(.toServer, 0, flags: .syn)
        o.send(.toServer, 5, Array("ef".utf8), uncaptured: 3)     // out of order, cut
        o.send(.toServer, 10, "j")
        o.send(.toServer, 1, "abcd")
        #expect(o.stream() == [text("abcdef"), .gap(3), text("j")])
        #expect(o.reassembler.bufferedBytes == 0)
    }

    @Test func identicalOverlapIsNoConflict() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 5, "efgh")
        h.send(.toServer, 7, "ghij")
        h.send(.toServer, 1, "abcd")
        #expect(h.stream() == [text("abcdefghij")])
        #expect(h.reassembler.counters.overlapConflicts == 0)
        #expect(h.reassembler.counters.overlapBytes == 2)
    }

    @Test func bufferLimitForcesAGapThenDeliveryGoesOn() {
        var limits = TCPStreamReassembler.Limits()
        limits.maxBufferedBytes = 8
        var h = StreamHarness(limits: limits)
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 11, "klmno")
        #expect(h.stream() == [])
        h.send(.toServer, 16, "pqrs")   // 9 bytes buffered > 8: skip the 10 missing
        #expect(h.stream() == [.gap(10), text("klmnopqrs")])
        #expect(h.reassembler.counters.limitGaps == 1)
        #expect(h.reassembler.counters.gapBytes == 10)
        #expect(h.reassembler.bufferedBytes == 0)
        h.send(.toServer, 1, "abcdefghij")   // the late bytes are old now
        #expect(h.stream() == [.gap(10), text("klmnopqrs")])
    }

    @Test func pieceLimitAlsoForcesAGap() {
        var limits = TCPStreamReassembler.Limits()
        limits.maxBufferedPieces = 2
        var h = StreamHarness(limits: limits)
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 3, "c")
        h.send(.toServer, 5, "e")
        h.send(.toServer, 7, "g")
        #expect(h.stream() == [.gap(2), text("c")])
        #expect(h.reassembler.bufferedBytes == 2)
    }

    @Test func finEndsTheDirectionWhenContiguous() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 1, "bye", flags: .fin)
        #expect(h.stream() == [text("bye"), .end])
        #expect(h.reassembler.isClosed(.toServer))
        h.send(.toServer, 4, "late")
        #expect(h.reassembler.counters.droppedBytes == 4)
        #expect(h.stream() == [text("bye"), .end])
    }

    @Test func finBeforeAMissingSegmentWaitsForIt() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 4, "def", flags: .fin)
        h.send(.toServer, 1, "abc")
        #expect(h.stream() == [text("abcdef"), .end])
    }

    @Test func flowEndReportsWhatNeverCameAsGaps() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 1, "ab")
        h.send(.toServer, 6, "fg")
        h.send(.toServer, 12, "", flags: .fin)
        h.finish()
        #expect(h.stream() == [text("ab"), .gap(3), text("fg"), .gap(4), .end])
        #expect(h.reassembler.counters.gaps == 2)
    }

    @Test func rstEndsBothDirections() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toClient, 900, flags: .syn)
        h.send(.toServer, 1, "req")
        h.send(.toClient, 905, "tail")
        h.send(.toClient, 901, "", flags: .rst)
        #expect(h.stream(.toServer) == [text("req"), .end])
        #expect(h.stream(.toClient) == [.gap(4), text("tail"), .end])
        #expect(h.reassembler.isClosed(.toServer) && h.reassembler.isClosed(.toClient))
    }

    @Test func resetsOutOfWindowAreIgnored() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 1, "abc")
        h.send(.toServer, 0x8000_0000, "", flags: .rst)
        #expect(!h.reassembler.isClosed(.toServer))
        #expect(h.reassembler.counters.ignoredResets == 1)
        h.send(.toServer, 4, "d", flags: .rst)
        #expect(h.stream() == [text("abcd"), .end])
    }

    @Test func sequenceNumbersWrapAround() {
        var h = StreamHarness()
        h.send(.toServer, 0xffff_fffd, flags: .syn)            // data starts at 0xfffffffe
        h.send(.toServer, 0x0000_0000, "cdef")                  // out of order, past the wrap
        h.send(.toServer, 0xffff_fffe, "ab", flags: [])
        h.send(.toServer, 0x0000_0000, "cd")                    // retransmission past the wrap
        h.send(.toServer, 0x0000_0004, "g", flags: .fin)
        #expect(h.stream() == [text("abcdefg"), .end])
        #expect(h.reassembler.counters.retransmittedBytes == 2)
    }

    @Test func segmentsFarAheadAreOutOfWindow() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 0x7000_0000, "zzz")
        h.send(.toServer, 1, "a")
        #expect(h.stream() == [text("a")])
        #expect(h.reassembler.counters.outOfWindowSegments == 1)
        #expect(h.reassembler.counters.droppedBytes == 3)
        #expect(h.reassembler.bufferedBytes == 0)
    }

    @Test func releaseBuffersDeliversWithoutEnding() {
        var h = StreamHarness()
        h.send(.toServer, 0, flags: .syn)
        h.send(.toServer, 4, "d")
        h.release()
        #expect(h.stream() == [.gap(3), text("d")])
        #expect(!h.reassembler.isClosed(.toServer))
        h.send(.toServer, 5, "e")
        #expect(h.stream() == [.gap(3), text("de")])
    }

    @Test func directionsAreIndependent() {
        var h = StreamHarness()
        h.send(.toServer, 10, flags: .syn)
        h.send(.toClient, 20, flags: .syn)
        h.send(.toClient, 21, "pong")
        h.send(.toServer, 11, "ping")
        #expect(h.stream(.toServer) == [text("ping")])
        #expect(h.stream(.toClient) == [text("pong")])
    }
}
