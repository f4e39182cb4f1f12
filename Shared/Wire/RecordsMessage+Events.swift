import Events
import Records

/// The events section of `records.v1` (flag bit 2): count n (UInt32), then n
/// events. An event is capture id, flow key (UInt64 each), time (Int64 ns),
/// sequence in its flow (UInt32), dataset (UInt8, the protocol's
/// `Dataset.code`; docs/PROTOCOLS.md lists them), one reserved zero byte, Community ID length m (UInt16),
/// frame count k (UInt32), field count f (UInt32); then m bytes of Community ID, k frame numbers (UInt64 each)
/// and f fields in `EventFieldCodec`'s encoding (shared with the events
/// tables), whose lists and objects nest at most `WireLimits.eventNesting` deep.
extension RecordsMessage {
    static let eventFixedSize = 40

    /// The events section's size, to reserve it.
    static func eventsSize(_ events: [EventRecord]) -> Int {
        events.isEmpty ? 0 : events.reduce(4) {
            $0 + eventFixedSize + $1.communityID.utf8.count + 8 * $1.frames.count + $1.fields.bytes.count
        }
    }

    static func encode(events: [EventRecord], into w: inout WireWriter) {
        w.uint32(UInt32(truncatingIfNeeded: events.count))
        for event in events {
            let community = Array(event.communityID.utf8.prefix(Int(UInt16.max)))
            w.uint64(event.captureID)
            w.uint64(event.flowKey)
            w.int64(event.time)
            w.uint32(event.sequence)
            w.uint8(event.dataset.code)
            w.uint8(0)
            w.uint16(UInt16(truncatingIfNeeded: community.count))
            w.uint32(UInt32(truncatingIfNeeded: event.frames.count))
            w.uint32(UInt32(truncatingIfNeeded: event.fields.count))
            w.append(community)
            for frame in event.frames { w.uint64(frame) }
            w.append(event.fields.bytes)
        }
    }

    static func decodeEvents(_ r: inout WireReader, limits: WireLimits) throws(WireError) -> [EventRecord] {
        let count = try r.uint32("events count")
        guard count <= limits.eventRecords else {
            throw r.error(.limitExceeded, "\(count) events; limit \(limits.eventRecords)")
        }
        var events: [EventRecord] = []
        events.reserveCapacity(Swift.min(Int(count), r.remaining / eventFixedSize))
        for i in 0 ..< Int(count) {
            let at = "event \(i)"
            let captureID = try r.uint64(at + " capture id")
            let flowKey = try r.uint64(at + " flow key")
            let time = try r.int64(at + " time")
            let sequence = try r.uint32(at + " sequence")
            let code = try r.uint8(at + " dataset")
            guard let dataset = Dataset.coded(code) else { throw r.error(.invalidValue, at + " dataset \(code)") }
            try r.reserved(1, at + " byte 29")
            let communityLength = try r.uint16(at + " Community ID length")
            guard communityLength <= limits.communityIDLength else {
                throw r.error(.limitExceeded, at + " Community ID length \(communityLength); limit \(limits.communityIDLength)")
            }
            let frameCount = try r.uint32(at + " frame count")
            guard Int(frameCount) <= r.remaining / 8 else {
                throw r.error(.truncated, at + " \(frameCount) frames")
            }
            let fieldCount = try r.uint32(at + " field count")
            let communityID = try string(&r, Int(communityLength), at + " Community ID")
            var frames: [UInt64] = []
            frames.reserveCapacity(Int(frameCount))
            for k in 0 ..< Int(frameCount) { frames.append(try r.uint64(at + " frame \(k)")) }
            let fields = try r.encodedFields(count: fieldCount, nesting: limits.eventNesting, at)
            events.append(EventRecord(captureID: captureID, sequence: sequence, dataset: dataset, flowKey: flowKey,
                                      communityID: communityID, time: time, frames: frames, fields: fields))
        }
        return events
    }

    private static func string(_ r: inout WireReader, _ length: Int, _ at: String) throws(WireError) -> String {
        let bytes = try r.slice(length, at)
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw r.error(.invalidValue, at + " is not UTF-8") }
        return text
    }
}
