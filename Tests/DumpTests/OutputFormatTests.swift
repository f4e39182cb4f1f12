import Dump
import Formats
import Foundation
import Testing

@Suite("JSON writer and timestamps")
struct OutputFormatTests {
    @Test("strings with quotes, backslashes, control characters and non-ASCII survive a JSON round trip")
    func escaping() throws {
        let samples = ["plain", "quote \" and \\ backslash", "tab\tnew\nline\r", "\u{01}\u{1f}\u{7f}", "ünïcödé ✓ 😀", ""]
        for s in samples {
            var w = JSONWriter()
            w.beginObject()
            w.field("s", s)
            w.beginArray("a"); w.element(s); w.element(-12); w.endArray()
            w.field("n", UInt64.max)
            w.field("m", Int64.min)
            w.field("z", 0)
            w.field("b", false)
            w.endObject()
            let object = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
            #expect(object["s"] as? String == s)
            #expect((object["a"] as? [Any])?.first as? String == s)
            #expect(object["b"] as? Bool == false)
            #expect((object["a"] as? [Any])?.last as? Int == -12)
            #expect(object["m"] as? Int == Int.min)
            #expect(object["z"] as? Int == 0)
            #expect((object["n"] as? NSNumber)?.uint64Value == UInt64.max)
        }
    }

    @Test("RFC 3339 with nanoseconds agrees with Foundation over many instants, before and after 1970")
    func rfc3339() {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let seconds = Int64(bitPattern: state >> 1) % 8_000_000_000 - 2_000_000_000
            let nanos = Int64(state & 0x3fff_ffff) % 1_000_000_000
            let text = Timestamp.rfc3339(seconds * 1_000_000_000 + nanos)
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(text.prefix(19) == expected.prefix(19), "\(seconds)")
            #expect(text.hasSuffix(String(format: ".%09lldZ", nanos)))
        }
        #expect(Timestamp.rfc3339(0) == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp.rfc3339(-1) == "1969-12-31T23:59:59.999999999Z")
        #expect(Timestamp.rfc3339(951_782_400_000_000_001) == "2000-02-29T00:00:00.000000001Z")
    }
}
