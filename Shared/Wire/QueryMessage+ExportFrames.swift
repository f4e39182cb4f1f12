/// `exportFrames` on the wire: binary, since a page holds up to 20,000
/// positions (as JSON ~200 bytes each, and the bulk of an export's CPU).
/// Little-endian:
///
/// | field | size |
/// |---|---|
/// | tag 0 (a JSON payload starts with `{`) | 1 |
/// | count n | 4 |
/// | segment table (`SegmentTable`) | |
/// | n × (capture u64, frame u64, time i64, link type u32, segment index u32, offset u64, record length u32) | 44 each |
extension QueryMessage {
    static let exportFramesTag: UInt8 = 0
    static let exportFrameBytes = 44

    static func exportFramesPayload(_ frames: [ExportFrame]) -> [UInt8] {
        let (table, segments) = SegmentTable.indexing(frames.lazy.map(\.position.segment))
        var w = WireWriter(capacity: 9 + table.paths.count * 80 + frames.count * exportFrameBytes)
        w.uint8(exportFramesTag)
        w.uint32(UInt32(truncatingIfNeeded: frames.count))
        table.write(to: &w)
        for (frame, segment) in zip(frames, segments) {
            w.uint64(frame.capture)
            w.uint64(frame.frame)
            w.int64(frame.time)
            w.uint32(frame.linkType)
            w.uint32(segment)
            w.uint64(frame.position.offset)
            w.uint32(frame.position.length)
        }
        return w.bytes
    }

    static func exportFrames(_ payload: [UInt8], limits: WireLimits) throws(WireError) -> [ExportFrame] {
        var r = WireReader(payload, context: "query.v1 exportFrames")
        _ = try r.uint8("tag")
        let count = Int(try r.uint32("count"))
        guard count <= limits.framesPerBatch else {
            throw r.error(.limitExceeded, "\(count) frames; limit \(limits.framesPerBatch)")
        }
        let paths = try SegmentTable.read(&r, limit: count)
        guard r.remaining == count * exportFrameBytes else {
            throw r.error(r.remaining < count * exportFrameBytes ? .truncated : .trailingBytes,
                          "\(r.remaining) bytes for \(count) frames")
        }
        var check = SegmentTable.IndexCheck(count: paths.count)
        var frames: [ExportFrame] = []
        frames.reserveCapacity(count)
        for _ in 0 ..< count {
            let capture = try r.uint64("capture")
            let frame = try r.uint64("frame")
            let time = try r.int64("time")
            let linkType = try r.uint32("link type")
            let segment = try check.check(try r.uint32("segment"), r)
            let offset = try r.uint64("offset")
            let length = try r.uint32("record length")
            frames.append(ExportFrame(capture: capture, frame: frame, time: time, linkType: linkType,
                                      position: StoredPosition(segment: paths[segment], offset: offset, length: length)))
        }
        try check.finish(r)
        try r.expectEnd()
        return frames
    }
}
