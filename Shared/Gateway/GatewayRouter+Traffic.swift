import Dissection
import Foundation
import HTTPTypes
import Hummingbird
import Messaging
import NIOCore
import PcapStore

/// Packets, flows and pcap downloads: rows from search, bytes from storage.
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
        let frames = try await read(packets.compactMap(\.position))
        var next = frames.makeIterator()
        return packets.map { PacketObject($0, frame: $0.position == nil ? nil : next.next()) }
    }

    /// Every frame at `positions`, in order, asking storage again for what a
    /// reply left out (replies stop at `PacketReadMessage.replyBudget`).
    func read(_ positions: [QueryMessage.StoredPosition]) async throws -> [PacketReadMessage.StoredFrame] {
        var frames: [PacketReadMessage.StoredFrame] = []
        frames.reserveCapacity(positions.count)
        while frames.count < positions.count {
            let reply = try await storage.ask(PacketReadMessage(.read(Array(positions[frames.count...]))))
            guard case .frames(let got) = reply.body, !got.isEmpty else { throw GatewayError.storageRefused }
            frames.append(contentsOf: got.prefix(positions.count - frames.count))
        }
        return frames
    }

    /// A capture's or a flow's frames (in frame order) or a search's result
    /// (in time order) as one capture file, streamed a page at a time (pcap,
    /// or pcapng when link types mix).
    func download(_ target: QueryMessage.ExportTarget, name: String) async throws -> Response {
        let reply: QueryMessage.Body
        do {
            reply = try await search.ask(.getExportPlan(target))
        } catch {
            return Self.failure(.genericError, "\(error)")
        }
        guard case .exportPlan(let plan) = reply else { return Self.unexpected(reply) }
        guard let plan else {
            let missing = switch target {
            case .scope(.capture(let id)): "no capture \(id)"
            case .scope(.flow(let id)): "no flow \(id)"
            case .search: "the query cannot run"
            }
            return Self.failure(.noPage, missing)
        }
        let linkTypes = plan.linkTypes.map { LinkType(rawValue: $0) }
        let pcapng = CaptureFileEncoder(linkTypes: linkTypes).isPcapng
        // The first page before the headers: a download that cannot start
        // is an error answer, not a broken transfer.
        let first: DownloadPage
        do {
            first = try await downloadPage(target, after: .start)
        } catch {
            return Self.failure(.genericError, "cannot read the frames: \(error)")
        }
        let body = ResponseBody { [self] writer in
            var encoder = CaptureFileEncoder(linkTypes: linkTypes)
            var page = first
            while !page.frames.isEmpty {
                for (entry, frame) in zip(page.frames, page.bytes) {
                    guard case .frame(let timestamp, let wireLength, let bytes) = frame else {
                        // A download that cannot be whole is broken off, never quietly short.
                        throw GatewayError.unreadableFrame(entry.frame, "\(frame)")
                    }
                    encoder.append(linkType: LinkType(rawValue: entry.linkType), timestamp: timestamp,
                                   wireLength: Int(wireLength), frame: bytes)
                }
                try await writer.write(ByteBuffer(bytes: encoder.take()))
                page = try await downloadPage(target, after: page.frames[page.frames.count - 1].cursor)
            }
            let rest = encoder.take()
            if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
            try await writer.finish(nil)
        }
        let fileName = name + (pcapng ? ".pcapng" : ".pcap")
        return Response(status: .ok, headers: [
            .contentType: pcapng ? "application/x-pcapng" : "application/vnd.tcpdump.pcap",
            .contentDisposition: "attachment; filename=\"\(fileName)\"",
        ], body: body)
    }

    struct DownloadPage {
        var frames: [QueryMessage.ExportFrame]
        var bytes: [PacketReadMessage.StoredFrame]
    }

    /// Frames after the cursor (search) and their bytes (storage).
    func downloadPage(_ target: QueryMessage.ExportTarget, after: QueryMessage.ExportCursor) async throws -> DownloadPage {
        let reply = try await search.ask(.listExportFrames(target, after: after, limit: Self.downloadPage))
        guard case .exportFrames(let list) = reply else { throw GatewayError.unexpected("\(reply)") }
        return DownloadPage(frames: list, bytes: try await read(list.map(\.position)))
    }

    /// Frames asked of search per download page.
    static let downloadPage = 5_000

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
        case .storageRefused: "storage returned no frames"
        case .unexpected(let reply): "unexpected answer: \(reply)"
        case .unreadableFrame(let frame, let why): "frame \(frame) cannot be read: \(why)"
        }
    }
}
