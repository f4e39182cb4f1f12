import Messaging
import PcapStore
import Wire

/// Storage's answers to `read.v1`: frames by their pcap store positions, as
/// the pcap records the store holds. The pcap store's only writer is also
/// what serves its bytes (DESIGN.md).
public enum FrameReads {
    /// A handler for one `RequestServer` worker: its own reader and files.
    public static func handler(pcapRoot: String) -> RequestServer<PacketReadMessage>.Handler {
        let reader = PcapStoreReader(root: pcapRoot)
        return { request in PacketReadMessage(.records(answer(request.body, reader: reader))) }
    }

    @Sendable public static func failure(_ error: any Error) -> (reply: PacketReadMessage, dropHandler: Bool) {
        (PacketReadMessage(.records(StoredRecords(count: 0, unreadable: [], bytes: []))), true)
    }

    static func answer(_ body: PacketReadMessage.Body, reader: PcapStoreReader) -> StoredRecords {
        guard case .read(let asked) = body else { return StoredRecords(count: 0, unreadable: [], bytes: []) }
        // As many as fit the reply's budget; the asker asks again for the rest.
        var count = 0
        var bytes = 0
        while count < asked.count, count == 0 || bytes + Int(asked[count].length) <= PacketReadMessage.replyBudget {
            bytes += Int(asked[count].length)
            count += 1
        }
        var unreadable: [StoredRecords.Unreadable] = []
        var valid: [PacketPosition] = []
        valid.reserveCapacity(count)
        var slots: [Int] = []
        slots.reserveCapacity(count)
        var segments = SegmentCache()
        for (index, stored) in asked.prefix(count).enumerated() {
            guard let segment = segments.id(stored.segment) else {
                unreadable.append(.init(index: index, reason: "not a pcap store segment: \(stored.segment)"))
                continue
            }
            valid.append(PacketPosition(segment: segment, offset: stored.offset, length: stored.length))
            slots.append(index)
        }
        var records: [UInt8] = []
        records.reserveCapacity(min(bytes, PacketReadMessage.replyBudget + PcapStoreLimits.maxCapturedLength + 16))
        reader.appendRecords(valid, to: &records) { index, error in
            unreadable.append(.init(index: slots[index], reason: "\(error)"))
        }
        unreadable.sort { $0.index < $1.index }
        return StoredRecords(count: count, unreadable: unreadable, bytes: records[...])
    }

    /// Segment ids by path: a read names a handful of segments, each for many positions.
    struct SegmentCache {
        private var ids: [String: SegmentID?] = [:]
        private var last: (path: String, id: SegmentID?)?

        mutating func id(_ path: String) -> SegmentID? {
            if let last, last.path == path { return last.id }
            let id: SegmentID?
            if let known = ids[path] {
                id = known
            } else {
                id = SegmentID(relativePath: path)
                ids[path] = id
            }
            last = (path, id)
            return id
        }
    }
}
