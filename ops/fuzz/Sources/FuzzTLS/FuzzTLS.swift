import FuzzSupport
import Protocols

@_cdecl("FuzzTLS_main")
public func fuzzTLSMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzTLS)
}

/// A TLS connection's bytes as stream chunks (FuzzInput.Chunk): the record
/// readers, handshake and certificate parsers, fingerprints and texts.
func fuzzTLS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(fuzzBytes(data, size))
    var session = TLSSession(transactionTimeout: 5)
    var transactions: [TLSTransaction] = []
    var time: Int64 = 0
    while let chunk = input.nextChunk() {
        time += 1
        switch chunk {
        case .data(let bytes, let direction): transactions += session.receive(bytes, direction: direction, time: time)
        case .gap(let length, let direction): transactions += session.gap(length, direction: direction, time: time)
        }
    }
    transactions += session.finish(time: time + 1)
    for t in transactions {
        _ = render(t.fields) + (t.clientText?.utf8.count ?? 0) + (t.serverText?.utf8.count ?? 0)
    }
    return 0
}
