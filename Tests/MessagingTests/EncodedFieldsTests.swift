import Events
import Records
import TestSupport
import Testing

/// `EncodedFields`: the walk storage relies on to take a decoder's event
/// fields as bytes accepts exactly what `EventFieldCodec.Reader` (which
/// builds the values) accepts, and its UTF-8 check is Swift's.
struct EncodedFieldsTests {
    static let fields = RecordSamples.events.flatMap { $0.fields.values() }

    /// Reader's answer: the values, or nil when it throws.
    static func read(_ bytes: [UInt8], count: UInt32, nesting: Int) -> [ProtocolField]? {
        var reader = EventFieldCodec.Reader(bytes: bytes)
        guard let fields = try? reader.fields(count: count, nesting: nesting, "fields"), reader.remaining == 0 else { return nil }
        return fields
    }

    /// The walk's answer, read back as values.
    static func walk(_ bytes: [UInt8], count: UInt32, nesting: Int) -> [ProtocolField]? {
        guard let (fields, end) = try? EncodedFields.read(bytes, from: 0, count: count, nesting: nesting, "fields"),
              end == bytes.count else { return nil }
        return fields.values()
    }

    @Test func theWalkAcceptsWhatTheReaderAccepts() {
        var rng = SplitMix64(seed: 0xE0C0_DED5)
        let encoded = EncodedFields(Self.fields)
        #expect(Self.walk(encoded.bytes, count: encoded.count, nesting: 8) == Self.fields)
        var accepted = 0, refused = 0
        for _ in 0 ..< 20_000 {
            var damaged = encoded.bytes
            for _ in 0 ..< Int.random(in: 1 ... 3, using: &rng) {
                let at = Int.random(in: 0 ..< damaged.count, using: &rng)
                switch Int.random(in: 0 ..< 4, using: &rng) {
                case 0: damaged[at] = UInt8.random(in: 0 ... 255, using: &rng)
                case 1: damaged[at] = [0x00, 0x80, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xFF].randomElement(using: &rng) ?? 0
                case 2: damaged.remove(at: at)
                default: damaged.insert(UInt8.random(in: 0 ... 255, using: &rng), at: at)
                }
                if damaged.isEmpty { break }
            }
            let nesting = Int.random(in: 1 ... 3, using: &rng)
            let expected = Self.read(damaged, count: encoded.count, nesting: nesting)
            #expect(Self.walk(damaged, count: encoded.count, nesting: nesting) == expected, "\(damaged)")
            if expected == nil { refused += 1 } else { accepted += 1 }
        }
        #expect(accepted > 100 && refused > 100, "accepted \(accepted), refused \(refused)")
    }

    @Test func theUTF8CheckIsSwifts() {
        var rng = SplitMix64(seed: 0x07F8)
        let pieces: [[UInt8]] = [[0x41], [0], [0xC3, 0xA9], [0xC0, 0x80], [0xE2, 0x82, 0xAC], [0xE0, 0x80, 0x80],
                                 [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xFF]]
        for _ in 0 ..< 20_000 {
            var bytes: [UInt8] = []
            for _ in 0 ..< Int.random(in: 0 ... 6, using: &rng) {
                if Bool.random(using: &rng) {
                    bytes += pieces.randomElement(using: &rng) ?? []
                } else {
                    bytes.append(UInt8.random(in: 0 ... 255, using: &rng))
                }
            }
            if !bytes.isEmpty, Bool.random(using: &rng) { bytes.removeLast() }
            let swift = String(validating: bytes, as: UTF8.self)
            let expected: EventFieldCodec.TextCheck = swift == nil ? .invalid : bytes.contains(0) ? .containsNUL : .valid
            #expect(EventFieldCodec.checkUTF8(bytes, 0 ..< bytes.count) == expected, "\(bytes)")
        }
    }

    /// Storage replaces NULs before writing text: it must learn of them
    /// whether the fields were encoded here or read from another process.
    @Test func aNULIsNoticedEitherWay() throws {
        for (fields, nul) in [([ProtocolField("a", .string("x\0y"))], true),
                              ([ProtocolField("a", .list([.object([ProtocolField("b", .string("\0"))])]))], true),
                              ([ProtocolField("a", .integer(0)), ProtocolField("b", .string("no nul"))], false)] {
            let encoded = EncodedFields(fields)
            #expect(encoded.containsNUL == nul)
            let read = try EncodedFields.read(encoded.bytes, from: 0, count: encoded.count, nesting: 8, "fields")
            #expect(read.fields == encoded && read.fields.containsNUL == nul)
        }
    }

    /// Spans cut the bytes into the top-level fields, and the accessors
    /// read a field's value where it lies.
    @Test func spansNameEachTopLevelField() throws {
        let fields = [ProtocolField("dns.question.name", .string("exämple.com")), ProtocolField("dns.id", .integer(-2)),
                      ProtocolField("dns.answers", .list([.object([ProtocolField("ttl", .integer(1))])])),
                      ProtocolField("flag", .bool(false))]
        let encoded = EncodedFields(fields)
        let spans = try encoded.spans()
        #expect(spans.count == fields.count && zip(spans, fields).allSatisfy { encoded.hasName($0, $1.name) })
        #expect(!encoded.hasName(spans[0], "dns.question.nam") && !encoded.hasName(spans[1], "dns.ix")
                    && !encoded.hasName(spans[1], "dns.question.name"))
        #expect(spans.first?.start == 0 && spans.last?.end == encoded.bytes.count)
        #expect(zip(spans, spans.dropFirst()).allSatisfy { $0.end == $1.start })
        #expect(encoded.text(spans[0]).map { String(decoding: $0, as: UTF8.self) } == "exämple.com")
        #expect(encoded.integer(spans[1]) == -2 && encoded.text(spans[1]) == nil && encoded.integer(spans[0]) == nil)
        #expect(zip(spans, fields).allSatisfy { encoded.value($0) == $1.value })
    }
}
