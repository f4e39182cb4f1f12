import Model
import Protocols

/// One ECS object per application transaction: `event.dataset`, the flow's
/// id and Community ID, then the transaction's fields, dotted names nested
/// into objects as PacketJSON and FlowJSON write theirs.
enum ApplicationJSON {
    static func write(_ t: ApplicationTransaction, capture: Int, to w: inout JSONWriter) {
        let context = t.context
        var fields: [ProtocolField] = [
            ProtocolField("event.dataset", .string(t.dataset)),
            ProtocolField("event.kind", .string("event")),
            ProtocolField("flow.id", .string(FlowIDText.hex(context.flow))),
            ProtocolField("network.community_id", .string(context.communityID)),
            ProtocolField("netsift.capture", .integer(Int64(capture))),
            ProtocolField("netsift.frames", .list(context.frames.map { .integer(Int64(clamping: $0)) })),
        ]
        let taken = Set(fields.map(\.name))
        fields += t.fields.filter { !taken.contains($0.name) }
        w.beginObject()
        w.field("@timestamp", Timestamp.rfc3339(context.time))
        writeMembers(fields.map { (path: $0.name.split(separator: ".")[...], value: $0.value) }, to: &w)
        w.endObject()
        w.newline()
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
