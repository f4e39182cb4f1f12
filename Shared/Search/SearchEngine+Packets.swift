import PostgresClient
import Wire

/// A capture's stored packets.
extension SearchEngine {
    func answer(_ request: QueryMessage.Packets.Request) throws -> QueryMessage.Packets.Reply {
        switch request {
        case .list(let capture, let after, let limit): .page(try packetPage(capture: capture, after: after, limit: limit))
        }
    }

    func packetPage(capture: UInt64, after: UInt64, limit: Int) throws -> QueryMessage.PacketPage? {
        let id = Int64(clamping: capture)
        // The status first: a capture that has ended has every frame stored.
        guard let state = try connection.query("SELECT status, packets FROM captures WHERE id = $1", [id]).row(0) else {
            return nil
        }
        let scope = IndexedPackets.Scope(after: .init(capture: capture, frame: after), captures: [capture])
        let found = try withFlows(try self.packets.page(scope, limit: Self.clamp(limit)) { $0.map { _ in true } })
        var packets: [QueryMessage.Packet] = []
        let running = state.string(0) == "running"
        for (stored, flow) in found {
            // While decoders still commit out of order, stop at the first gap.
            if running && stored.entry.frameNumber != after + UInt64(packets.count) + 1 { break }
            packets.append(IndexedPackets.packet(stored, flow: flow))
        }
        let before = after == 0 ? 0 : try self.packets.count(capture: capture, through: after)
        let lastFlow = try connection.query(
            "SELECT coalesce(max(id), 0) FROM flows WHERE capture_id = $1", [id]).row(0)?.int64(0) ?? 0
        return QueryMessage.PacketPage(
            packets: packets, lastPacketID: packets.last?.frame ?? after, before: UInt64(clamping: before),
            total: UInt64(clamping: state.int64(1) ?? 0), lastFlowID: UInt64(clamping: lastFlow))
    }
}
