import TestSupport
import Dissection
import PropertyBased
import Testing

@Suite struct PropertyTests {
    static let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6,
                                        LinkType(rawValue: 147)]

    /// Every fixture frame and its link type.
    static let corpus: [(frame: [UInt8], linkType: LinkType)] = Fixtures.all.flatMap { c in c.frames.map { ($0, c.linkType) } }
        + [(Build.ethernet(type: 0x86DD) + Build.ipv6(next: 0, payload: Build.ipv6Extension(next: 43) + Build.ipv6Extension(next: 44)
                                                     + Build.ipv6Fragment(next: 17, offset: 0, more: true, id: 1) + Build.udp(payload: Build.bytes(8))), .ethernet),
           (Build.ipv4(proto: 1, payload: Build.icmp(type: 3, payload: Array(Fixtures.tcpSyn.prefix(28)))), .raw),
           (Build.ipv6(next: 58, payload: Build.icmp(type: 1, payload: Array(Fixtures.tcp6.prefix(48)))), .ipv6),
           (Build.ipv4(proto: 6, payload: Build.tcp(options: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], payload: Build.bytes(4)),
                       options: [0x94, 4, 0, 0]), .raw)]

    static func check(_ frame: [UInt8], _ linkType: LinkType) -> String? {
        let p = dissect(frame, linkType)
        if let v = boundsViolation(p, count: frame.count) { return v }
        // The link type is kept and the captured/wire accounting is exact.
        if p.linkType != linkType || p.wireLength != Int32(frame.count) { return "accounting" }
        if p.anomalies.contains(.snaplenTruncated) { return "snaplenTruncated without a snaplen" }
        if p.hasPorts && p.fragment != nil { return "ports on a non-first-decoded fragment" }
        return nil
    }

    static let randomFrame = Gen.uint8().array(of: 0...96)

    @Test func randomBytesForEveryLinkType() {
        let gen = zip(Gen.element(of: Self.linkTypes), Self.randomFrame)
        seededCheck(seed: (1, 2, 3, 4), count: 10000, gen) { linkType, frame in
            guard let linkType else { return "no link type" }
            return Self.check(frame, linkType)
        }
    }

    /// Random bytes behind a valid link header and IP version nibble, so the
    /// network and transport decoders see random input too.
    @Test func randomBytesBehindValidHeaders() {
        let headers: [([UInt8], LinkType)] = [
            (Build.ethernet(type: 0x0800) + [0x45], .ethernet), (Build.ethernet(type: 0x86DD) + [0x60], .ethernet),
            (Build.ethernet(type: 0x8100) + [0, 1, 0x08, 0x00, 0x46], .ethernet),
            (Build.ethernet(type: 0x8847) + Build.mplsLabel(1, bottom: true) + [0x60], .ethernet),
            (Build.sll(proto: 0x0800) + [0x4f], .linuxSLL), (Build.sll2(proto: 0x86DD) + [0x60], .linuxSLL2),
            (Build.null(family: 2, littleEndian: true) + [0x45], .null), (Build.null(family: 30, littleEndian: true) + [0x60], .null),
            ([0x45], .raw), ([0x60], .ipv6), ([0x47], .ipv4),
        ]
        let gen = zip(Gen.int(in: 0..<headers.count), Gen.uint8().array(of: 0...120))
        seededCheck(seed: (5, 6, 7, 8), count: 10000, gen) { index, tail in
            Self.check(headers[index].0 + tail, headers[index].1)
        }
    }

    @Test func mutatedRealFrames() {
        let mutation = zip(Gen.int(in: 0...3), Gen.int(in: 0...4095), Gen.uint16())
        .map { (t: (Int, Int, UInt16)) -> Mutation in
            let (kind, position, value) = t
            return switch kind {
            case 0: Mutation.flip(position: position, bit: Int(value & 7))
            case 1: .truncate(length: position)
            case 2: .overwrite16(position: position, value: [0, 1, 7, 8, 0xffff, 0x8000, value][Int(value % 7)])
            default: .overwrite8(position: position, value: [0, 1, 0x40, 0x4f, 0x60, 0xff, UInt8(value & 0xff)][Int(value % 7)])
            }
        }
        let gen = zip(Gen.int(in: 0..<Self.corpus.count), mutation.array(of: 1...6))
        seededCheck(seed: (9, 10, 11, 12), count: 20000, gen) { index, mutations in
            var frame = Self.corpus[index].frame
            for m in mutations { m.apply(to: &frame) }
            return Self.check(frame, Self.corpus[index].linkType)
        }
    }

    /// Length fields overwritten with boundary values, at their real offsets.
    @Test func lengthFieldOverwrites() {
        // (frame, link type, offsets of length-like fields)
        let targets: [([UInt8], LinkType, [Int])] = [
            (Build.ethernet(type: 0x0800) + Fixtures.udp4, .ethernet, [14, 16, 38]),         // IHL, total length, UDP length
            (Build.ethernet(type: 0x0800) + Fixtures.tcpSyn, .ethernet, [14, 16, 46]),       // IHL, total length, TCP data offset
            (Fixtures.ext6, .ipv6, [4, 40, 41, 48, 49, 68]),                                 // payload length, ext next/len, UDP length
            (Fixtures.icmp4Echo, .raw, [2, 28, 30]),
        ]
        let gen = zip(Gen.int(in: 0..<targets.count), Gen.int(in: 0...5), Gen.uint16())
        seededCheck(seed: (13, 14, 15, 16), count: 3000, gen) { t, field, value in
            var frame = targets[t].0
            let offsets = targets[t].2
            let at = offsets[field % offsets.count]
            let v = [0, 1, 4, 5, 8, 15, 19, 20, 39, 40, 0xff, 0xffff, value][Int(value % 13)]
            // One-byte fields (IHL/data offset nibbles, next header, ext length) get one byte.
            if [14, 46, 40, 41, 48, 49].contains(at) && !(t == 2 && at == 4) && !(t == 2 && at == 68) {
                frame[at] = UInt8(truncatingIfNeeded: v)
            } else {
                frame[at] = UInt8(v >> 8); frame[at + 1] = UInt8(v & 0xff)
            }
            return Self.check(frame, targets[t].1)
        }
    }

    /// Random fragment streams: the reassembler never traps, a completed
    /// payload has the announced length, and every piece is accounted for.
    @Test func randomFragmentStreams() {
        let piece = zip(Gen.int(in: 0...3), Gen.int(in: 0...200), Gen.int(in: 0...80), Gen.bool)
        seededCheck(seed: (17, 18, 19, 20), count: 1500, piece.array(of: 1...20)) { pieces in
            var limits = FragmentReassembler.Limits()
            limits.maxFragments = 8
            limits.maxDatagrams = 3
            var r = FragmentReassembler(limits: limits)
            var added = 0, accounted = 0
            for (n, (id, unit, length, more)) in pieces.enumerated() {
                let key = FragmentReassembler.Key(source: ip("10.0.0.1"), destination: ip("10.0.0.2"), protocolNumber: 17,
                                                  identification: UInt32(id), vlans: VLANStack())
                let bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: unit), count: length)
                added += 1
                let outcome = bytes.withUnsafeBytes {
                    r.add(key: key, offset: unit * 8, moreFragments: more, payload: $0,
                          piece: .init(frame: UInt64(n + 1), capturedBytes: length, wireBytes: length), time: Int64(n))
                }
                switch outcome {
                case .pending: break
                case .complete(let payload, let ps, _):
                    accounted += ps.count
                    if !more && payload.count != unit * 8 + length { return "payload \(payload.count) != \(unit * 8 + length)" }
                case .rejected(let ps, _): accounted += ps.count
                }
            }
            for e in r.flush() { accounted += e.pieces.count }
            return added == accounted ? nil : "added \(added) pieces, accounted \(accounted)"
        }
    }
}
