import Events
import PropertyBased
import Testing
import TestSupport
@testable import Protocols

/// Fuzzing the TLS session with fixed seeds: random bytes and mutated real
/// handshakes, fed in random chunk sizes to both directions. No crash, no
/// hang, bounded output.
@Suite struct TLSPropertyTests {
    /// Hand-built handshake bytes per direction.
    static let seeds: [[([UInt8], Direction)]] = [[
        (TLSBuild.record(22, TLSUnitTests.browserHello), .toServer),
        (TLSBuild.record(22, TLSBuild.serverHello(cipher: 0xc02f) + TLSBuild.handshake(14, [])), .toClient),
    ]]

    /// Real handshake bytes per direction from the shared captures: the test that mutates them skips without them.
    static let captured: [[([UInt8], Direction)]] = {
        var streams: [[([UInt8], Direction)]] = []
        for name in ["tls/ark_openssl-tls1_2.pcap", "tls/ark_tls13.pcap", "tls/ja4_tls-alpn-h2.pcap",
                     "tls/sv_tls13-draft28.pcap", "tls/sv_ja4-tls.pcap"] {
            guard let payloads = try? CapturePayloads.read(SharedCaptures.path(name)), let first = payloads.first else { continue }
            var stream: [([UInt8], Direction)] = []
            for p in payloads.prefix(12) where p.l4Type == 6 {
                let direction: Direction = p.sourcePort == first.sourcePort ? .toServer : .toClient
                stream.append((p.bytes, direction))
            }
            streams.append(stream)
        }
        return streams
    }()

    static func check(_ stream: [([UInt8], Direction)], chunk: Int) -> String? {
        var session = TLSSession()
        var out: [TLSTransaction] = []
        for (bytes, direction) in stream {
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + chunk)
                out += bytes[index ..< end].withUnsafeBytes { session.receive($0, direction: direction, time: 0) }
                index = end
            }
        }
        out += session.finish(time: 1)
        if out.count > 1 { return "\(out.count) transactions for one connection" }
        for t in out {
            _ = t.fields
            if t.serverCertificates.count > TLSCertificateMessage.maxCertificates { return "certificate bound" }
        }
        return nil
    }

    @Test func randomBytes() {
        let gen = zip(Gen.uint8().array(of: 0...300), Gen.uint8().array(of: 0...300), Gen.int(in: 1...64))
        seededCheck(seed: (41, 42, 43, 44), count: 3000, gen) { a, b, chunk in
            Self.check([(a, .toServer), (b, .toClient)], chunk: chunk)
        }
    }

    /// Random bytes behind a valid record header, so handshake parsing sees random input.
    @Test func randomHandshakeBodies() {
        let gen = zip(Gen.int(in: 0...24), Gen.uint8().array(of: 0...400), Gen.int(in: 1...512))
        seededCheck(seed: (45, 46, 47, 48), count: 3000, gen) { type, body, chunk in
            let message = [UInt8(type % 16)] + TLSBuild.u24(body.count) + body
            return Self.check([(TLSBuild.record(22, message), type < 12 ? .toServer : .toClient)], chunk: chunk)
        }
    }

    @Test func mutatedBuiltHandshakes() { Self.mutate(Self.seeds) }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage)) func mutatedRealHandshakes() {
        #expect(!Self.captured.isEmpty, "nothing read from the shared captures")
        Self.mutate(Self.seeds + Self.captured)
    }

    static func mutate(_ corpus: [[([UInt8], Direction)]]) {
        let mutation = zip(Gen.int(in: 0...3), Gen.int(in: 0...8191), Gen.uint16()).map { (t: (Int, Int, UInt16)) -> Mutation in
            let (kind, position, value) = t
            return switch kind {
            case 0: .flip(position: position, bit: Int(value & 7))
            case 1: .truncate(length: position)
            case 2: .overwrite16(position: position, value: [0, 1, 0xffff, 0x8000, 0x4000, value][Int(value % 6)])
            default: .overwrite8(position: position, value: [0, 1, 0x16, 0x80, 0xff, UInt8(value & 0xff)][Int(value % 6)])
            }
        }
        let gen = zip(Gen.int(in: 0..<corpus.count), Gen.int(in: 0...11), mutation.array(of: 1...5), Gen.int(in: 1...2000))
        seededCheck(seed: (49, 50, 51, 52), count: 2000, gen) { index, which, mutations, chunk in
            var stream = corpus[index]
            guard !stream.isEmpty else { return nil }
            let target = which % stream.count
            for m in mutations { m.apply(to: &stream[target].0) }
            return Self.check(stream, chunk: chunk)
        }
    }
}
