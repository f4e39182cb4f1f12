import FuzzSupport
import Protocols

@_cdecl("FuzzTCP_main")
public func fuzzTCPMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzTCP)
}

/// TCP segments (FuzzInput segments) through one reassembler with small
/// bounds. Checks what the engine relies on: per direction, data comes out
/// as non-empty data and gaps until its one end, and the bytes held stay
/// within the bound (per direction) and are all released at the finish.
func fuzzTCP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(fuzzBytes(data, size))
    var limits = TCPStreamReassembler.Limits()
    limits.maxBufferedBytes = 4096
    limits.maxBufferedPieces = 16
    var reassembler = TCPStreamReassembler(limits: limits)
    var ended: Set<Direction> = []
    var frame: UInt64 = 0
    func check(_ delivery: StreamDelivery) {
        precondition(!ended.contains(delivery.direction), "delivery after the end of its direction")
        if case .end = delivery.kind { ended.insert(delivery.direction) }
        if case .gap(let length) = delivery.kind { precondition(length > 0, "empty gap") }
        if case .data(let bytes) = delivery.kind { precondition(!bytes.isEmpty, "empty data") }
    }
    while let segment = input.nextSegment(time: Int64(frame), frame: frame + 1) {
        frame += 1
        reassembler.receive(segment, deliver: check)
        precondition(reassembler.bufferedBytes <= 2 * limits.maxBufferedBytes, "buffered past the bound")
    }
    reassembler.finish(deliver: check, time: Int64(frame))
    precondition(reassembler.bufferedBytes == 0, "bytes held after finish")
    return 0
}
