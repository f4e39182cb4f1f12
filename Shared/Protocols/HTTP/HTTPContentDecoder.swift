import CZlib

/// Counts the decoded size of a gzip or deflate body as its bytes arrive,
/// through zlib, discarding the output. A class because zlib's stream
/// must stay at one address; a session owns its decoder alone.
final class HTTPContentDecoder {
    enum Coding { case gzip, deflate }

    enum Outcome { case running, finished, failed, limitExceeded }

    private let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var scratch = [UInt8](repeating: 0, count: 16 << 10)
    private let coding: Coding
    private let limit: Int64
    private var initialised = false
    /// Deflate bodies are meant to be zlib-wrapped but are often raw: retried raw once.
    private var triedRaw = false
    private var consumedInput: Int64 = 0
    private(set) var decodedBytes: Int64 = 0
    private(set) var outcome = Outcome.running

    /// The coding a Content-Encoding value names, if we decode it.
    static func coding(for contentEncoding: String) -> Coding? {
        switch contentEncoding.lowercased() {
        case "gzip", "x-gzip": .gzip
        case "deflate": .deflate
        default: nil
        }
    }

    init(_ coding: Coding, limit: Int64) {
        self.coding = coding
        self.limit = limit
        stream.initialize(to: z_stream())
        // 15 + 16: gzip only; 15: zlib wrapper; -15: raw deflate.
        initialised = netsift_inflate_init2(stream, coding == .gzip ? 31 : 15) == Z_OK
        if !initialised { outcome = .failed }
    }

    deinit {
        if initialised { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func feed(_ bytes: UnsafeRawBufferPointer) {
        // zlib counts input in 32-bit units.
        let most = Int(UInt32.max / 2)
        guard bytes.count <= most else {
            var start = 0
            while start < bytes.count, outcome == .running {
                feed(UnsafeRawBufferPointer(rebasing: bytes[start ..< min(bytes.count, start + most)]))
                start += most
            }
            return
        }
        guard outcome == .running, let base = bytes.baseAddress, !bytes.isEmpty else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(bytes.count)
        defer { stream.pointee.next_in = nil; stream.pointee.avail_in = 0 }
        let consumedBeforeFeed = consumedInput
        scratch.withUnsafeMutableBytes { out in
            guard let outBase = out.baseAddress else { return }
            while outcome == .running {
                stream.pointee.next_out = outBase.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(out.count)
                let availableBefore = stream.pointee.avail_in
                let status = inflate(stream, Z_NO_FLUSH)
                let produced = out.count - Int(stream.pointee.avail_out)
                decodedBytes += Int64(produced)
                consumedInput += Int64(availableBefore - stream.pointee.avail_in)
                if decodedBytes > limit { outcome = .limitExceeded; return }
                switch status {
                case Z_STREAM_END:
                    outcome = .finished
                case Z_OK:
                    if stream.pointee.avail_in == 0 && produced < out.count { return }
                case Z_BUF_ERROR:
                    return
                default:
                    if coding == .deflate, !triedRaw, decodedBytes == 0 {
                        triedRaw = true
                        // Nothing was decoded yet and all input is in hand: restart raw on it.
                        inflateEnd(stream)
                        initialised = netsift_inflate_init2(stream, -15) == Z_OK
                        guard initialised, consumedBeforeFeed == 0 else { outcome = .failed; return }
                        consumedInput = 0
                        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
                        stream.pointee.avail_in = uInt(bytes.count)
                    } else {
                        outcome = .failed
                    }
                }
            }
        }
    }
}
