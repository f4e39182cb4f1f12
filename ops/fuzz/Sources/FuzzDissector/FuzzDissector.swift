import Dissection
import FuzzSupport

@_cdecl("FuzzDissector_main")
public func fuzzDissectorMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzDissector)
}

/// One frame through the L2–L4 dissector: the first byte picks the link
/// type, the rest is the frame (fragment reassembly and flows run in
/// FuzzEngine, over many frames). The payload it points the application
/// layer at must lie inside the frame.
func fuzzDissector(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(fuzzBytes(data, size))
    let links: [LinkType] = [.ethernet, .raw, .null, .loop, .linuxSLL, .linuxSLL2, .ipv4, .ipv6]
    let link = links[Int(input.byte() ?? 0) % links.count]
    let frame = input.rest()
    let packet = Dissector().dissect(frame, linkType: link, wireLength: frame.count + Int(size % 3))
    precondition(Int(packet.l5Offset) + Int(packet.l5Length) <= frame.count || packet.l5Length == 0, "payload past the frame")
    return 0
}
