import Dissection
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PcapStore
import Wire

/// Packets and flows: rows from search, bytes from storage.
extension GatewayRouter {
    func packets(capture: UInt64, after: UInt64, limit: Int) async throws -> Response {
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(.listPackets(captureID: capture, after: after, limit: limit))
        } catch {
            return Self.failure(.genericError, "\(error)")
        }
        guard case .packets(let page) = reply else { return Self.unexpected(reply) }
        guard let page else { return Self.failure(.noPage, "no capture \(capture)") }
        let objects: [PacketObject]
        do {
            objects = try await packetObjects(page.packets)
        } catch {
            return Self.failure(.genericError, "cannot read frames from storage: \(error)")
        }
        return try Self.ok(PacketStreamObject(captureID: capture, page: page, packets: objects))
    }

    func flows(_ query: QueryMessage.Body, after: UInt64, missing: String) async throws -> Response {
        try await answer(query) { reply in
            guard case .flows(let list) = reply else { return nil }
            guard let list else { return Self.failure(.noPage, missing) }
            return try Self.ok(ListObject(items: list.map(FlowObject.init), lastID: list.last?.id ?? after))
        }
    }

    /// PACKET objects with the bytes of each stored frame (one `read.v1` exchange for the page).
    func packetObjects(_ packets: [QueryMessage.Packet]) async throws -> [PacketObject] {
        let frames = try await readRecords(packets.compactMap(\.position)).flatMap(\.frames)
        var next = frames.makeIterator()
        return packets.map { PacketObject($0, frame: $0.position == nil ? nil : next.next()) }
    }

    /// Every frame at `positions`, in order, as storage's replies, asking
    /// again for what a reply left out (replies stop at `PacketReadMessage.replyBudget`).
    func readRecords(_ positions: [QueryMessage.StoredPosition]) async throws -> [StoredRecords] {
        var replies: [StoredRecords] = []
        var answered = 0
        while answered < positions.count {
            let reply = try await storage.ask(PacketReadMessage(.read(Array(positions[answered...]))))
            guard case .records(let records) = reply.body, records.count > 0,
                  records.count <= positions.count - answered else { throw GatewayError.storageRefused }
            replies.append(records)
            answered += records.count
        }
        return replies
    }

    static func unexpected(_ reply: QueryMessage.Body) -> Response {
        if case .failed(let message) = reply { return failure(.genericError, message) }
        return failure(.genericError, "search gave an unexpected answer")
    }
}

enum GatewayError: Error, CustomStringConvertible {
    case storageRefused
    case unexpected(String)
    case unreadableFrame(UInt64, String)

    var description: String {
        switch self {
        case .storageRefused: "storage answered no frames, or more than asked"
        case .unexpected(let reply): "unexpected answer: \(reply)"
        case .unreadableFrame(let frame, let why): "frame \(frame) cannot be read: \(why)"
        }
    }
}
