import FuzzSupport
import Protocols

@_cdecl("FuzzHTTP_main")
public func fuzzHTTPMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzMain(argc, argv, fuzzHTTP)
}

/// An HTTP connection's bytes as stream chunks (FuzzInput.Chunk): the head
/// parser (whole and partial) on the first chunk, then the session with
/// raw keeping and a short transaction timeout over all of them.
func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(fuzzBytes(data, size))
    var session = HTTPSession(transactionTimeout: 3, raw: HTTPRawKeeping(requests: true, responses: true, maxBytes: 512))
    var transactions: [HTTPTransaction] = []
    var time: Int64 = 0
    var first = true
    while let chunk = input.nextChunk() {
        time += 1
        switch chunk {
        case .data(let bytes, let direction):
            if first {
                _ = try? HTTPHeadParser.parse(bytes)
                _ = try? HTTPHeadParser.parse(bytes, partial: true)
                first = false
            }
            transactions += session.receive(bytes, direction: direction, time: time)
        case .gap(let length, let direction):
            transactions += session.gap(length, direction: direction, time: time)
        }
    }
    transactions += session.finish(time: time + 1)
    for t in transactions {
        _ = render(t.fields) + (t.request?.message.rawText?.utf8.count ?? 0) + (t.response?.message.rawText?.utf8.count ?? 0)
    }
    return 0
}
