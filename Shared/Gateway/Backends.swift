import Messaging
import Wire

/// Search as the routes ask it: one question, one reply. `SearchClient`
/// asks the search service over ZeroMQ; tests answer from a closure.
public protocol SearchBackend: Sendable {
    func ask(_ request: QueryMessage.Request) async throws -> QueryMessage.Reply
}

/// Storage's frame reads as the routes ask them: the records of the frames
/// at `positions`, in order. A reply may stop short of them
/// (`PacketReadMessage.replyBudget`); `FrameReader` asks again for the rest.
public protocol FrameBackend: Sendable {
    func read(_ positions: [QueryMessage.StoredPosition]) async throws -> StoredRecords
}

extension RequestClient: SearchBackend where Message == QueryMessage {}

extension RequestClient: FrameBackend where Message == PacketReadMessage {
    public func read(_ positions: [QueryMessage.StoredPosition]) async throws -> StoredRecords {
        let reply = try await ask(PacketReadMessage(.read(positions)))
        guard case .records(let records) = reply.body else { throw GatewayError.storageRefused }
        return records
    }
}

extension SearchBackend {
    /// Search's reply, as `shape` takes it (a case's value): `.failed` and a
    /// reply `shape` does not take are internal errors.
    func reply<Value>(to request: QueryMessage.Request, _ shape: (QueryMessage.Reply) -> Value?) async throws -> Value {
        let reply = try await ask(request)
        if case .failed(let message) = reply { throw APIError.internalError(message) }
        guard let value = shape(reply) else { throw APIError.unexpected(reply) }
        return value
    }

    /// The object a question names, or 404 with `missing` when search has none.
    func object<Value>(_ request: QueryMessage.Request, _ shape: (QueryMessage.Reply) -> Value??,
                       missing: @autoclosure () -> String) async throws -> Value {
        guard let value = try await reply(to: request, shape) else { throw APIError.notFound(missing()) }
        return value
    }
}

enum GatewayError: Error, CustomStringConvertible {
    case storageRefused
    case unreadableFrame(UInt64, String)

    var description: String {
        switch self {
        case .storageRefused: "storage answered no frames, or more than asked"
        case .unreadableFrame(let frame, let why): "frame \(frame) cannot be read: \(why)"
        }
    }
}
