import Events
import Records

/// The events section of `records.v1` (flag bit 2): count n (UInt32), then n
/// events. An event is capture id, flow key (UInt64 each), time (Int64 ns),
/// sequence in its flow (UInt32), dataset (UInt8, the protocol's
/// `Dataset.code`; docs/PROTOCOLS.md lists them), one reserved zero byte, Community ID length m (UInt16),
/// frame count k (UInt32), field count f (UInt32); then m bytes of Community ID, k frame numbers (UInt64 each)
/// and f fields. A field is its name (UInt16 length, UTF-8) and a value; a
/// value is a tag byte and its content: 0 string (UInt32 length, UTF-8),
/// 1 integer (Int64), 2 bool (UInt8 0 or 1), 3 time (Int64 ns), 4 list
/// (UInt32 count, values), 5 object (UInt32 count, fields), 6 null (no
/// content: a field `keep_null` keeps). Lists and objects
/// nest at most `WireLimits.eventNesting` deep.
extension RecordsMessage {
    static let eventFixedSize = 40

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
            for field in event.fields { encode(field: field, into: &w) }
        }
    }

    private static func encode(field: ProtocolField, into w: inout WireWriter) {
        let name = Array(field.name.utf8.prefix(Int(UInt16.max)))
        w.uint16(UInt16(truncatingIfNeeded: name.count))
        w.append(name)
        encode(value: field.value, into: &w)
    }

    private static func encode(value: ProtocolField.Value, into w: inout WireWriter) {
        switch value {
        case .string(let s):
            w.uint8(0)
            w.uint32(UInt32(truncatingIfNeeded: s.utf8.count))
            w.append(s.utf8)
        case .integer(let i):
            w.uint8(1)
            w.int64(i)
        case .bool(let b):
            w.uint8(2)
            w.uint8(b ? 1 : 0)
        case .time(let ns):
            w.uint8(3)
            w.int64(ns)
        case .list(let values):
            w.uint8(4)
            w.uint32(UInt32(truncatingIfNeeded: values.count))
            for v in values { encode(value: v, into: &w) }
        case .object(let fields):
            w.uint8(5)
            w.uint32(UInt32(truncatingIfNeeded: fields.count))
            for f in fields { encode(field: f, into: &w) }
        case .null:
            w.uint8(6)
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
            let fields = try decodeFields(&r, count: fieldCount, depth: 0, at, limits: limits)
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

    private static func decodeFields(_ r: inout WireReader, count: UInt32, depth: Int, _ at: String,
                                     limits: WireLimits) throws(WireError) -> [ProtocolField] {
        // Every field takes at least three bytes: a count beyond that is a lie.
        guard Int(count) <= r.remaining / 3 else { throw r.error(.truncated, at + " \(count) fields") }
        var fields: [ProtocolField] = []
        fields.reserveCapacity(Int(count))
        for k in 0 ..< Int(count) {
            let length = try r.uint16(at + " field \(k) name length")
            let name = try string(&r, Int(length), at + " field \(k) name")
            fields.append(ProtocolField(name, try decodeValue(&r, depth: depth, at + " " + name, limits: limits)))
        }
        return fields
    }

    private static func decodeValue(_ r: inout WireReader, depth: Int, _ at: String,
                                    limits: WireLimits) throws(WireError) -> ProtocolField.Value {
        let tag = try r.uint8(at + " tag")
        switch tag {
        case 0:
            let length = try r.uint32(at + " length")
            return .string(try string(&r, Int(length), at))
        case 1: return .integer(try r.int64(at))
        case 2:
            let b = try r.uint8(at)
            guard b <= 1 else { throw r.error(.invalidValue, at + " bool \(b)") }
            return .bool(b == 1)
        case 3: return .time(try r.int64(at))
        case 6: return .null
        case 4, 5:
            guard depth < limits.eventNesting else {
                throw r.error(.limitExceeded, at + " nests deeper than \(limits.eventNesting)")
            }
            let count = try r.uint32(at + " count")
            if tag == 5 { return .object(try decodeFields(&r, count: count, depth: depth + 1, at, limits: limits)) }
            guard Int(count) <= r.remaining else { throw r.error(.truncated, at + " \(count) values") }
            var values: [ProtocolField.Value] = []
            values.reserveCapacity(Int(count))
            for k in 0 ..< Int(count) {
                values.append(try decodeValue(&r, depth: depth + 1, at + "[\(k)]", limits: limits))
            }
            return .list(values)
        default:
            throw r.error(.invalidValue, at + " tag \(tag)")
        }
    }
}
