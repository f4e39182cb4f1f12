import TestSupport
import Capture
import Dissection
import Foundation
import Testing

/// Anomalies that say "the bytes ran out" at some layer.
let truncationAnomalies: [Anomaly] = [
    .linkHeaderTruncated, .vlanTagTruncated, .mplsTruncated, .ipv4HeaderTruncated, .ipv4PayloadTruncated,
    .ipv6HeaderTruncated, .ipv6PayloadTruncated, .ipv6ExtensionHeaderTruncated, .tcpHeaderTruncated,
    .udpHeaderTruncated, .icmpTruncated, .icmpv6Truncated, .sctpTruncated, .icmpInnerTruncated,
]

extension DecodedPacket {
    var hasTruncation: Bool { truncationAnomalies.contains { anomalies.contains($0) } }

    /// Bytes a clean decode needs: the end of the IP datagram, or the link
    /// header (with tags and labels, plus the byte after an MPLS stack) for
    /// non-IP frames.
    var requiredLength: Int {
        switch ipVersion {
        case 4: Int(l3Offset) + Int(l3Length) + Int(ipPayloadLength)
        case 6: Int(l3Offset) + 40 + Int(ipPayloadLength)
        // An MPLS payload needs its first byte to be named (version nibble).
        default: Int(l2Length) + (mplsLabels > 0 ? 1 : 0)
        }
    }
}

/// Everything a decode claims lies inside the bytes it was given; nil when so.
func boundsViolation(_ p: DecodedPacket, count: Int) -> String? {
    func inside(_ offset: Int32, _ length: Int32) -> Bool {
        offset >= 0 && length >= 0 && Int(offset) + Int(length) <= count
    }
    if p.capturedLength != Int32(count) { return "capturedLength \(p.capturedLength) != \(count)" }
    if !(0...count).contains(Int(p.l2Length)) { return "l2Length \(p.l2Length) outside \(count)" }
    if !inside(p.l3Offset, p.l3Length) { return "L3 \(p.l3Offset)+\(p.l3Length) outside \(count)" }
    if p.fragment == nil && !inside(p.l4Offset, p.l4Length) { return "L4 \(p.l4Offset)+\(p.l4Length) outside \(count)" }
    if !inside(p.l5Offset, p.l5Length) { return "L5 \(p.l5Offset)+\(p.l5Length) outside \(count)" }
    if let f = p.fragment, !inside(f.payloadOffset, f.payloadLength) {
        return "fragment payload \(f.payloadOffset)+\(f.payloadLength) outside \(count)"
    }
    return nil
}

/// Dissects every prefix of `frame` (0...count bytes) and the whole.
/// Returns the problems found (empty when none), without recording issues,
/// so that large captures stay fast.
///
/// What is asserted for a prefix P of length n, decoded as if complete
/// (wire length n), against the whole frame's decode W:
/// - P's offsets and lengths lie within n bytes (the fragment slice too);
/// - consistency: whatever P decoded agrees with W (link, addresses, VLANs,
///   L3 offset, ports, ICMP type);
/// - when W is clean (no anomalies): every n < W.requiredLength carries a
///   truncation anomaly, and every n ≥ W.requiredLength decodes exactly
///   like W (same layers, no anomalies);
/// - decoded with W's wire length instead, every n < wire length carries
///   snaplenTruncated.
func dripFeed(_ frame: [UInt8], linkType: LinkType, wireLength: Int? = nil, dissector: Dissector = Dissector()) -> [String] {
    var problems: [String] = []
    frame.withUnsafeBytes { raw in
        let wire = max(wireLength ?? raw.count, raw.count)
        let whole = dissector.dissect(raw, linkType: linkType, wireLength: wire)
        if let v = boundsViolation(whole, count: raw.count) { problems.append("whole: \(v)") }
        let clean = whole.anomalies.isEmpty
        let required = whole.requiredLength
        if clean && required > raw.count { problems.append("clean decode needs \(required) > \(raw.count) bytes") }
        for n in 0...raw.count {
            if problems.count > 5 { return }
            let prefix = UnsafeRawBufferPointer(rebasing: raw[0..<n])
            let p = dissector.dissect(prefix, linkType: linkType, wireLength: n)
            if let v = boundsViolation(p, count: n) { problems.append("prefix \(n): \(v)") }
            if p.linkType != whole.linkType { problems.append("prefix \(n): link type") }
            if p.hasIP {
                if p.ipVersion != whole.ipVersion || p.source != whole.source || p.destination != whole.destination
                    || p.l3Offset != whole.l3Offset || p.l2Length != whole.l2Length || p.vlans != whole.vlans {
                    problems.append("prefix \(n): IP layer differs from whole")
                }
            }
            if p.l3Type != 0 && p.l3Type != whole.l3Type { problems.append("prefix \(n): l3Type \(p.l3Type) vs \(whole.l3Type)") }
            if p.hasPorts && (!whole.hasPorts || p.sourcePort != whole.sourcePort || p.destinationPort != whole.destinationPort) {
                problems.append("prefix \(n): ports differ from whole")
            }
            if let icmp = p.icmp, icmp.type != whole.icmp?.type { problems.append("prefix \(n): ICMP type differs") }
            if clean {
                if n < required && !p.hasTruncation {
                    problems.append("prefix \(n) < \(required) has no truncation anomaly: \(p.anomalies.map(\.description))")
                }
                if n >= required && (Layers(p) != Layers(whole) || !p.anomalies.isEmpty) {
                    problems.append("prefix \(n) ≥ \(required) decodes differently: \(Layers(p)) vs \(Layers(whole)) \(p.anomalies.map(\.description))")
                }
            }
            if n < wire {
                let s = dissector.dissect(prefix, linkType: linkType, wireLength: wire)
                if !s.anomalies.contains(.snaplenTruncated) { problems.append("prefix \(n): no snaplenTruncated") }
            }
        }
    }
    return problems
}

/// `<package root>/../shared/pcaps`, or `$NETSIFT_SHARED` (its `pcaps`
/// folder, or the folder itself).
enum SharedPcaps {
    static let directory: String? = {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["NETSIFT_SHARED"], !env.isEmpty {
            candidates += [env + "/pcaps", env]
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.deletingLastPathComponent().appendingPathComponent("shared/pcaps").path)
        var isDir: ObjCBool = false
        return candidates.first { fm.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue }
    }()

    /// Every capture file below the directory, sorted.
    static var captures: [String] {
        guard let dir = directory else { return [] }
        var dirs = [dir]
        if let subs = FileManager.default.enumerator(atPath: dir) {
            for case let sub as String in subs {
                var isDir: ObjCBool = false
                let full = dir + "/" + sub
                if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue { dirs.append(full) }
            }
        }
        return dirs.flatMap { (try? CaptureSource.files(at: $0).captures) ?? [] }.sorted()
    }
}

@Suite struct DripFeedTests {
    @Test(arguments: Fixtures.all)
    func fixtures(capture: Fixtures.Capture) {
        for (i, frame) in capture.frames.enumerated() {
            let problems = dripFeed(frame, linkType: capture.linkType)
            #expect(problems.isEmpty, "\(capture.name) frame \(i + 1): \(problems)")
            // The fixtures are clean, so the truncation rule applies to all.
            #expect(dissect(frame, capture.linkType).anomalies.isEmpty, "\(capture.name) frame \(i + 1)")
        }
    }

    @Test func handBuiltEdgeFrames() {
        let frames: [([UInt8], LinkType)] = [
            (Build.ethernet(type: 0x0800) + Build.ipv4(proto: 6, payload: Build.tcp(options: [1, 1, 1, 0], payload: Build.bytes(3)), options: [0x94, 4, 0, 0]), .ethernet),
            (Build.ethernet(type: 0x86DD) + Fixtures.ext6, .ethernet),
            (Build.ipv4(proto: 1, payload: Build.icmp(type: 3, payload: Array(Fixtures.tcpSyn.prefix(28)))), .raw),
            (Build.ipv6(next: 58, payload: Build.icmp(type: 1, payload: Array(Fixtures.udp6.prefix(48)))), .ipv6),
            (Build.ipv4(proto: 17, payload: Build.udp(payload: Build.bytes(24)), moreFragments: true), .ipv4),
            (Build.ipv6(next: 44, payload: Build.ipv6Fragment(next: 6, offset: 8, more: true, id: 3) + Build.bytes(16)), .ipv6),
            (Build.ethernet(type: 0x0806) + Build.bytes(28), .ethernet),
            (Build.ethernet(type: 0x8847) + Build.mplsLabel(1, bottom: true) + [0x00] + Build.bytes(9), .ethernet),
        ]
        for (i, (frame, linkType)) in frames.enumerated() {
            #expect(dripFeed(frame, linkType: linkType).isEmpty, "edge frame \(i): \(dripFeed(frame, linkType: linkType))")
        }
    }

    @Test func checkerHelpersAreNotVacuous() {
        // The required length follows the IP header, and the bounds check
        // rejects a decode claiming bytes beyond those given.
        var p = dissect(Build.ethernet(type: 0x0800) + Fixtures.udp4)
        p.ipPayloadLength += 10
        #expect(p.requiredLength == 14 + 20 + 20 + 10)
        #expect(boundsViolation(p, count: 10) != nil)
    }

    static let sharedCaptures = SharedPcaps.captures

    @Test(.enabled(if: SharedPcaps.directory != nil,
                   "shared captures not found at <package root>/../shared/pcaps and NETSIFT_SHARED is unset; skipping"),
          arguments: sharedCaptures)
    func sharedCapture(path: String) throws {
        let reader = try PcapFileReader(path: path)
        var frames = 0
        var failures = 0
        loop: while true {
            switch reader.next() {
            case .frame(let frame):
                frames += 1
                let problems = dripFeed(Array(frame.bytes), linkType: frame.linkType, wireLength: frame.wireLength)
                if !problems.isEmpty {
                    failures += 1
                    if failures <= 3 { Issue.record("\(path) frame \(frame.number): \(problems)") }
                }
            case .end: break loop
            case .failed(let error):
                // Deliberately cut captures end this way; what came before was checked.
                _ = error
                break loop
            }
        }
        #expect(failures == 0, "\(path): \(failures) of \(frames) frames")
    }
}
