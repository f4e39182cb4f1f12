import Messaging
import PcapStore

/// Storage's answers to `read.v1`: frames by their pcap store positions.
/// The pcap store's only writer is also what serves its bytes (DESIGN.md).
public enum FrameReads {
    /// A handler for one `RequestServer` worker: its own reader and files.
    public static func handler(pcapRoot: String) -> RequestServer<PacketReadMessage>.Handler {
        let reader = PcapStoreReader(root: pcapRoot)
        return { request in PacketReadMessage(.frames(answer(request.body, reader: reader))) }
    }

    @Sendable public static func failure(_ error: any Error) -> (reply: PacketReadMessage, dropHandler: Bool) {
        (PacketReadMessage(.frames([])), true)
    }

    static func answer(_ body: PacketReadMessage.Body, reader: PcapStoreReader) -> [PacketReadMessage.StoredFrame] {
        guard case .read(let asked) = body else { return [] }
        // As many as fit the reply's budget; the asker asks again for the rest.
        var count = 0
        var bytes = 0
        while count < asked.count, count == 0 || bytes + Int(asked[count].length) <= PacketReadMessage.replyBudget {
            bytes += Int(asked[count].length)
            count += 1
        }
        var frames = [PacketReadMessage.StoredFrame?](repeating: nil, count: count)
        var valid: [PacketPosition] = []
        var slots: [Int] = []
        for (index, stored) in asked.prefix(count).enumerated() {
            guard let segment = SegmentID(relativePath: stored.segment) else {
                frames[index] = .unreadable(reason: "not a pcap store segment: \(stored.segment)")
                continue
            }
            valid.append(PacketPosition(segment: segment, offset: stored.offset, length: stored.length))
            slots.append(index)
        }
        var next = 0
        reader.read(valid) { result in
            switch result {
            case .success(let packet):
                frames[slots[next]] = .frame(timestamp: packet.timestamp, wireLength: UInt32(clamping: packet.wireLength),
                                             bytes: packet.bytes)
            case .failure(let error):
                frames[slots[next]] = .unreadable(reason: "\(error)")
            }
            next += 1
        }
        return frames.map { $0 ?? .unreadable(reason: "not read") }
    }
}
