import FuzzSupport
import Protocols

@_cdecl("FuzzDNS_main")
public func fuzzDNSMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzDNS)
}

/// One DNS message (the bytes as a UDP payload): the parser, both
/// transports' sessions (TCP framing over the same bytes split at the
/// first byte's value), and every text and field of what comes out.
func fuzzDNS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    if let message = try? DNSParser().parse(bytes) {
        _ = message.packetbeatText.utf8.count + message.tcpdumpSummary.utf8.count
    }
    var transactions: [DNSTransaction] = []
    var udp = DNSSession(transport: .udp)
    transactions += udp.receive(bytes, direction: .toServer, time: 1)
    transactions += udp.receive(bytes, direction: .toClient, time: 2)
    transactions += udp.finish(time: 3)
    var tcp = DNSSession(transport: .tcp)
    let split = min(size, Int(bytes.first ?? 0))
    transactions += tcp.receive(UnsafeRawBufferPointer(rebasing: bytes[..<split]), direction: .toServer, time: 1)
    transactions += tcp.gap(3, direction: .toClient, time: 2)
    transactions += tcp.receive(UnsafeRawBufferPointer(rebasing: bytes[split...]), direction: .toServer, time: 3)
    transactions += tcp.finish(time: 4)
    for t in transactions {
        _ = render(t.fields) + (t.query?.packetbeatText.utf8.count ?? 0) + (t.response?.packetbeatText.utf8.count ?? 0)
    }
    return 0
}
