import Events
import Formats

/// An event as one ECS JSON object: `@timestamp`, `event.dataset`, the
/// flow's id and Community ID, the capture and frames, then the
/// transaction's fields, dotted names nested into objects. `netsift dump
/// --json` prints it and search rebuilds it from storage's rows, so both
/// say the same; a stored event also carries its id as `netsift.event`.
public enum EventDocument {
    public static func write(_ event: EventRecord, storedID: Int64? = nil, to w: inout JSONWriter) {
        var fields: [ProtocolField] = [
            ProtocolField("event.dataset", .string(event.dataset.name)),
            ProtocolField("event.kind", .string("event")),
            ProtocolField("flow.id", .string(FlowIDText.hex(event.flowKey))),
            ProtocolField("network.community_id", .string(event.communityID)),
            ProtocolField("netsift.capture", .integer(Int64(clamping: event.captureID))),
            ProtocolField("netsift.frames", .list(event.frames.map { .integer(Int64(clamping: $0)) })),
        ]
        if let storedID { fields.append(ProtocolField("netsift.event", .integer(storedID))) }
        let taken = fields.count
        let values = event.fields.values()
        fields.reserveCapacity(taken + values.count)
        for field in values where !fields[..<taken].contains(where: { $0.name == field.name }) { fields.append(field) }
        w.beginObject()
        w.field("@timestamp", Timestamp.rfc3339(event.time))
        writeMembers(members(fields), to: &w)
        w.endObject()
    }

    /// The object alone, as UTF-8 bytes.
    public static func bytes(_ event: EventRecord, storedID: Int64? = nil) -> [UInt8] {
        var w = JSONWriter()
        write(event, storedID: storedID, to: &w)
        return w.bytes
    }

    /// A field under the part of its dotted name not yet written as objects.
    typealias Member = (name: Substring, value: ProtocolField.Value)

    static func members(_ fields: [ProtocolField]) -> [Member] { fields.map { ($0.name[...], $0.value) } }

    /// A dotted name's first segment and what follows it; empty segments
    /// do not count (`a..b` is `a.b`). Nil when it has no segment.
    static func split(_ name: Substring) -> (head: Substring, rest: Substring)? {
        let dot = UInt8(ascii: ".")
        guard let start = name.utf8.firstIndex(where: { $0 != dot }) else { return nil }
        let end = name.utf8[start...].firstIndex(of: dot) ?? name.endIndex
        return (name[start ..< end], name[end...])
    }

    /// Members grouped by their first name segment, in first-seen order. A
    /// name that is both a value and a prefix keeps the value there and its
    /// longer names dotted. A level has a few dozen members at most:
    /// comparing their names is cheaper than hashing them (search writes a
    /// document for every event it returns).
    static func writeMembers(_ members: [Member], to w: inout JSONWriter) {
        let parts = members.map { split($0.name) }
        var written = [Bool](repeating: false, count: members.count)
        for first in members.indices where !written[first] {
            guard let key = parts[first]?.head else { continue }
            var leaf: ProtocolField.Value?
            var children: [Member] = []
            for index in first ..< members.count where !written[index] {
                guard let (head, rest) = parts[index], head == key else { continue }
                written[index] = true
                if split(rest) != nil {
                    children.append((rest, members[index].value))
                } else if leaf == nil {
                    leaf = members[index].value
                }
            }
            let name = String(key)
            if let leaf {
                writeValue(leaf, key: name, to: &w)
                for child in children {
                    writeValue(child.value, key: name + "." + child.name.split(separator: ".").joined(separator: "."), to: &w)
                }
            } else {
                w.beginObject(name)
                writeMembers(children, to: &w)
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
            writeMembers(members(fields), to: &w)
            w.endObject()
        case .null: w.null(key)
        }
    }
}
