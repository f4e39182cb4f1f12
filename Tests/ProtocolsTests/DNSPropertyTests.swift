import Events
import PropertyBased
import TestSupport
import Testing
@testable import Protocols

/// Random and mutated DNS: no crash, no hang, output bounded by the input.
@Suite struct DNSPropertyTests {
    static let seeds: [[UInt8]] = [DNSBuild.query(), DNSBuild.response(), DNSBuild.tcp(DNSBuild.response())]

    /// Messages from the shared captures: the test that mutates them skips without them.
    static let captured: [[UInt8]] = {
        var out: [[UInt8]] = []
        for capture in SharedCaptures.captures(in: "dns") + SharedCaptures.captures(in: "malformed") {
            out += ((try? CapturePayloads.read(capture)) ?? []).map(\.bytes).filter { $0.count < 4096 }
        }
        return out
    }()

    static func check(_ bytes: [UInt8]) -> String? {
        if let m = try? DNSBuild.parse(bytes) {
            let kept = m.questions.count + m.answers.count + m.authorities.count + m.additionals.count
            if kept > DNSLimits().maxQuestions + DNSLimits().maxRecords { return "kept \(kept) records" }
            if (m.questions.map(\.name) + m.answers.map(\.name)).contains(where: { $0.utf8.count > 4 * 1025 }) { return "name too long" }
            _ = m.tcpdumpSummary
        }
        for transport in [DNSTransaction.Transport.udp, .tcp] {
            var session = DNSModule.makeSession(transport: transport)
            let out = session.feed(bytes, .toServer, at: 0) + session.feed(bytes, .toClient, at: 1) + session.finish(time: 2)
            if out.count > 2 * (bytes.count / 2 + 2) { return "\(out.count) transactions from \(bytes.count) bytes" }
            _ = out.map(\.fields)
        }
        return nil
    }

    @Test func randomBytes() {
        seededCheck(seed: (21, 22, 23, 24), count: 3000, Gen.uint8().array(of: 0...200)) { Self.check($0) }
    }

    @Test func randomBytesBehindAHeader() {
        let gen = zip(Gen.uint16(), Gen.uint8().array(of: 0...160))
        seededCheck(seed: (25, 26, 27, 28), count: 3000, gen) { flags, tail in
            Self.check(DNSBuild.header(id: 1, flags: Int(flags), qd: 1, an: 2, ns: 1, ar: 1) + tail)
        }
    }

    @Test func mutatedBuiltMessages() { Self.mutate(Self.seeds) }

    @Test(.enabled(if: SharedCaptures.available, SharedCaptures.skipMessage)) func mutatedRealMessages() {
        #expect(!Self.captured.isEmpty, "nothing read from the shared captures")
        Self.mutate(Self.seeds + Self.captured)
    }

    static func mutate(_ corpus: [[UInt8]]) {
        let mutation = zip(Gen.int(in: 0...3), Gen.int(in: 0...4095), Gen.uint16()).map { (t: (Int, Int, UInt16)) -> Mutation in
            switch t.0 {
            case 0: .flip(position: t.1, bit: Int(t.2 & 7))
            case 1: .truncate(length: t.1)
            case 2: .overwrite16(position: t.1, value: [0, 1, 0xc00c, 0xc000, 0xffff, 0x3fff, t.2][Int(t.2 % 7)])
            default: .overwrite8(position: t.1, value: [0, 1, 0x3f, 0x40, 0xc0, 0xff, UInt8(t.2 & 0xff)][Int(t.2 % 7)])
            }
        }
        let gen = zip(Gen.int(in: 0 ..< corpus.count), mutation.array(of: 1...6))
        seededCheck(seed: (29, 30, 31, 32), count: 6000, gen) { index, mutations in
            var bytes = corpus[index]
            for m in mutations { m.apply(to: &bytes) }
            return Self.check(bytes)
        }
    }
}
