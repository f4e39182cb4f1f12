import Wire

/// Stored frames as the routes need them: every record asked for, however
/// many replies storage takes to send them.
struct FrameReader: Sendable {
    let backend: any FrameBackend

    /// Every frame at `positions`, in order, as storage's replies, asking
    /// again for what a reply left out.
    func records(at positions: [QueryMessage.StoredPosition]) async throws -> [StoredRecords] {
        var replies: [StoredRecords] = []
        var answered = 0
        while answered < positions.count {
            let records = try await backend.read(Array(positions[answered...]))
            guard records.count > 0, records.count <= positions.count - answered else { throw GatewayError.storageRefused }
            replies.append(records)
            answered += records.count
        }
        return replies
    }

    /// PACKET objects with the bytes of each stored frame (one read for the page).
    func packetObjects(_ packets: [QueryMessage.Packet]) async throws(APIError) -> [PacketObject] {
        let frames: [PacketReadMessage.StoredFrame]
        do {
            frames = try await records(at: packets.compactMap(\.position)).flatMap(\.frames)
        } catch {
            throw .internalError("cannot read frames from storage: \(error)")
        }
        var next = frames.makeIterator()
        return packets.map { PacketObject($0, frame: $0.position == nil ? nil : next.next()) }
    }
}
