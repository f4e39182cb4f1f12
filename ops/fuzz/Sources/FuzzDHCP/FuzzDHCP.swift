import Dissection
import FuzzSupport
import Protocols

@_cdecl("FuzzDHCP_main")
public func fuzzDHCPMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzDHCP)
}

/// One DHCP message (a UDP payload): parser, session, fields, text, and
/// the cross-flow conversation join.
func fuzzDHCP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = DHCPModule.sniff(bytes, direction: .toServer)
    var session = DHCPSession()
    var conversations = DHCPConversations()
    for t in session.receive(bytes, direction: .toServer, time: 1) {
        _ = render(t.fields) + (t.message?.text.utf8.count ?? 0)
        for c in conversations.add(t, source: IPAddress(v4: 0), destination: IPAddress(v4: 0xffff_ffff), flow: 1) {
            _ = render(c.fields)
        }
    }
    for c in conversations.finish() { _ = render(c.fields) }
    return 0
}
