import QueryLanguage
import Testing

/// Which stretches of stored packets a packets search may skip unread
/// (`PacketQuery.Predicate.canMatch`): only those where no packet can
/// match, whatever the packets' own fields turn out to be.
@Suite struct StretchPruningTests {
    typealias Stretch = PacketQuery.Predicate.Stretch

    static func canMatch(_ query: String, _ stretch: Stretch, sensor: Bool = false) throws -> Bool {
        try PacketQuery.compile(QueryParser.parse(query)).predicate.canMatch(stretch) { _ in sensor }
    }

    @Test func captureAndFrameNumberRuleStretchesOut() throws {
        let early = Stretch(capture: 1, frames: 1 ... 5_000)
        let late = Stretch(capture: 1, frames: 120_000 ... 130_000)
        let straddling = Stretch(capture: 1, frames: 99_000 ... 101_000)
        let other = Stretch(capture: 2, frames: 1 ... 5_000)
        let query = "capture.id == 1 && frame.number <= 100000"
        #expect(try Self.canMatch(query, early))
        #expect(try Self.canMatch(query, straddling))
        #expect(try !Self.canMatch(query, late))
        #expect(try !Self.canMatch(query, other))
        #expect(try !Self.canMatch("frame.number > 5000 && tcp", early))
        #expect(try Self.canMatch("frame.number >= 5000 && tcp", early))
        #expect(try !Self.canMatch("frame.number in {6000, 7000}", early))
        #expect(try !Self.canMatch("capture.id != 1", early))
    }

    /// An unknown packet or flow test keeps a stretch unless the rest
    /// decides; a negation or a disjunction does not prune wrongly.
    @Test func unknownsKeepAStretch() throws {
        let early = Stretch(capture: 1, frames: 1 ... 5_000)
        #expect(try Self.canMatch("tcp", early))
        #expect(try Self.canMatch("frame.number > 5000 || tcp", early))
        #expect(try Self.canMatch("!(frame.number > 5000 && tcp)", early))
        #expect(try !Self.canMatch("!(frame.number <= 5000 || tcp)", early))
        #expect(try Self.canMatch("!(capture.id == 2)", early))
        #expect(try Self.canMatch("ip.addr == 10.0.0.1", early))
    }

    /// The sensor is a test of the capture, answered before any packet is read.
    @Test func theSensorDecidesWithTheCapture() throws {
        let any = Stretch(capture: 3, frames: 1 ... 10)
        #expect(try !Self.canMatch(#"sensor == "probe-a" && tcp"#, any, sensor: false))
        #expect(try Self.canMatch(#"sensor == "probe-a" && tcp"#, any, sensor: true))
        #expect(try Self.canMatch(#"!(sensor == "probe-a")"#, any, sensor: false))
    }
}
