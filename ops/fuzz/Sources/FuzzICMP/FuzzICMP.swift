import Dissection
import FuzzSupport
import Protocols

@_cdecl("FuzzICMP_main")
public func fuzzICMPMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzICMP)
}

/// Ethernet frames (FuzzInput frames) through the dissector into one ICMP
/// session per version, as the engine feeds them; texts and fields.
func fuzzICMP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(fuzzBytes(data, size))
    var sessions = [ICMPSession(version: 4, transactionTimeout: 200_000_000, maxPending: 8),
                    ICMPSession(version: 6, transactionTimeout: 200_000_000, maxPending: 8)]
    var transactions: [ICMPTransaction] = []
    var time: Int64 = 0
    var frame: UInt64 = 0
    while let (step, bytes) = input.nextFrame() {
        time += step
        frame += 1
        let packet = Dissector().dissect(bytes, linkType: .ethernet, wireLength: bytes.count)
        guard let info = packet.icmp else { continue }
        let start = Int(packet.l5Offset), end = start + Int(packet.l5Length)
        guard start >= 0, start <= end, end <= bytes.count else { continue }
        let index = packet.l4Type == IPProtocol.icmpv6 ? 1 : 0
        transactions += sessions[index].receive(info, payload: UnsafeRawBufferPointer(rebasing: bytes[start ..< end]),
                                                direction: frame % 2 == 0 ? .toClient : .toServer, time: time, frame: frame)
    }
    for index in sessions.indices { transactions += sessions[index].expire(now: time + 1) + sessions[index].finish() }
    for t in transactions {
        _ = render(t.fields) + [t.request, t.response].compactMap { $0 }.reduce(0) { $0 + t.text(of: $1).utf8.count }
    }
    return 0
}
