import Events
import Formats

/// An event as one ECS JSON object: `@timestamp`, `event.dataset`, the
/// flow's id and Community ID, the capture and frames, then the
/// transaction's fields, dotted names nested into objects. `netsift dump
/// --json` prints it and storage keeps it, so both say the same.
public enum EventDocument {
    public static func write(_ event: EventRecord, to w: inout JSONWriter) {
        var fields: [ProtocolField] = [
            ProtocolField("event.dataset", .string(event.dataset.name)),
            ProtocolField("event.kind", .string("event")),
            ProtocolField("flow.id", .string(FlowIDText.hex(event.flowKey))),
            ProtocolField("network.community_id", .string(event.communityID)),
            ProtocolField("netsift.capture", .integer(Int64(clamping: event.captureID))),
            ProtocolField("netsift.frames", .list(event.frames.map { .integer(Int64(clamping: $0)) })),
        ]
        let taken = Set(fields.map(\.name))
        fields += event.fields.filter { !taken.contains($0.name) }
        w.beginObject()
        w.field("@timestamp", Timestamp.rfc3339(event.time))
        writeMembers(fields.map { (path: $0.name.split(separator: ".")[...], value: $0.value) }, to: &w)
        w.endObject()
    }

    /// The object alone, as UTF-8 bytes.
    public static func bytes(_ event: EventRecord) -> [UInt8] {
        var w = JSONWriter()
        write(event, to: &w)
        return w.bytes
    }

    typealias Member = (path: ArraySlice<Substring>, value: ProtocolField.Value)

    /// Members grouped by their first name segment, in first-seen order. A
    /// name that is both a value and a prefix keeps the value there and its
    /// longer names dotted.
    static func writeMembers(_ members: [Member], to w: inout JSONWriter) {
        var keys: [Substring] = []
        var leaves: [Substring: ProtocolField.Value] = [:]
        var children: [Substring: [Member]] = [:]
        for member in members {
            guard let head = member.path.first else { continue }
            if leaves[head] == nil && children[head] == nil { keys.append(head) }
            if member.path.count == 1 {
                if leaves[head] == nil { leaves[head] = member.value }
            } else {
                children[head, default: []].append((member.path.dropFirst(), member.value))
            }
        }
        for key in keys {
            let name = String(key)
            if let leaf = leaves[key] {
                writeValue(leaf, key: name, to: &w)
                for child in children[key] ?? [] {
                    writeValue(child.value, key: ([key] + child.path).joined(separator: "."), to: &w)
                }
            } else if let nested = children[key] {
                w.beginObject(name)
                writeMembers(nested, to: &w)
                w.endObject()
            }
        }
    }

    static func writeValue(_ value: ProtocolField.Value, key: String?, to w: inout JSONWriter) {
        switch value {
        case .string(let s): if let key { w.field(key, s) } else { w.element(s) }
        case .integer(let i): if let key { w.field(key, i) } else { w.element(i) }
        case .bool(let b): if let key { w.field(key, b) } else { w.element(b) }
        case .time(let ns): if let key { w.field(key, Timestamp.rfc3339(ns)) } else { w.element(Timestamp.rfc3339(ns)) }
        case .list(let values):
            w.beginArray(key)
            for v in values { writeValue(v, key: nil, to: &w) }
            w.endArray()
        case .object(let fields):
            w.beginObject(key)
            writeMembers(fields.map { (path: $0.name.split(separator: ".")[...], value: $0.value) }, to: &w)
            w.endObject()
        case .null: w.null(key)
        }
    }
}
