/// `query.v1` as JSON: every request and reply an object of one key, its
/// kind, as when they were one enum. A resource's cases encode as Swift
/// derives it; the kinds name the resource that decodes them, and a kind
/// no resource knows is an error.
protocol QueryKinds: Codable, Hashable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension QueryKinds {
    /// Each of this type's kinds, with how to decode it as a `Whole`.
    static func decoders<Whole>(_ wrap: @escaping @Sendable (Self) -> Whole) -> [QueryKindDecoder<Whole>] {
        CodingKeys.allCases.map { key in QueryKindDecoder(kind: key.stringValue) { wrap(try Self(from: $0)) } }
    }
}

struct QueryKindDecoder<Whole>: Sendable {
    let kind: String
    let decode: @Sendable (any Decoder) throws -> Whole

    /// The same kind decoded into a larger whole.
    func map<Larger>(_ wrap: @escaping @Sendable (Whole) -> Larger) -> QueryKindDecoder<Larger> {
        QueryKindDecoder<Larger>(kind: kind) { [decode] in wrap(try decode($0)) }
    }

    /// The decoders by kind; a kind claimed twice is a programming error.
    static func table(_ decoders: [QueryKindDecoder]) -> [String: @Sendable (any Decoder) throws -> Whole] {
        Dictionary(uniqueKeysWithValues: decoders.map { ($0.kind, $0.decode) })
    }

    /// The value of the one kind the object at `decoder` has.
    static func decode(_ decoder: any Decoder,
                       _ table: [String: @Sendable (any Decoder) throws -> Whole]) throws -> Whole {
        let keys = try decoder.container(keyedBy: AnyKind.self).allKeys
        guard keys.count == 1, let kind = keys.first?.stringValue else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\(keys.count) kinds, must be 1"))
        }
        guard let decode = table[kind] else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "unknown query.v1 kind \"\(kind)\""))
        }
        return try decode(decoder)
    }
}

/// Any key of a JSON object.
private struct AnyKind: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// `failed` in its own type, so it decodes as a resource's replies do.
private enum Failure: QueryKinds {
    case failed(message: String)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case failed
    }
}

extension QueryMessage.Request: Codable {
    static let kinds: [QueryKindDecoder<Self>] = [
        QueryMessage.Keys.Request.decoders(Self.keys), QueryMessage.Installation.Request.decoders(Self.installation),
        QueryMessage.Captures.Request.decoders(Self.captures), QueryMessage.Packets.Request.decoders(Self.packets),
        QueryMessage.Flows.Request.decoders(Self.flows), QueryMessage.Events.Request.decoders(Self.events),
        QueryMessage.Search.Request.decoders(Self.search), QueryMessage.Searches.Request.decoders(Self.searches),
        QueryMessage.Hunts.Request.decoders(Self.hunts),
    ].flatMap { $0 }
    static let decoders = QueryKindDecoder.table(kinds)

    public init(from decoder: any Decoder) throws {
        self = try QueryKindDecoder.decode(decoder, Self.decoders)
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .keys(let request): try request.encode(to: encoder)
        case .installation(let request): try request.encode(to: encoder)
        case .captures(let request): try request.encode(to: encoder)
        case .packets(let request): try request.encode(to: encoder)
        case .flows(let request): try request.encode(to: encoder)
        case .events(let request): try request.encode(to: encoder)
        case .search(let request): try request.encode(to: encoder)
        case .searches(let request): try request.encode(to: encoder)
        case .hunts(let request): try request.encode(to: encoder)
        }
    }
}

extension QueryMessage.Reply: Codable {
    static let kinds: [QueryKindDecoder<Self>] = [
        QueryMessage.Keys.Reply.decoders(Self.keys), QueryMessage.Installation.Reply.decoders(Self.installation),
        QueryMessage.Captures.Reply.decoders(Self.captures), QueryMessage.Packets.Reply.decoders(Self.packets),
        QueryMessage.Flows.Reply.decoders(Self.flows), QueryMessage.Events.Reply.decoders(Self.events),
        QueryMessage.Search.Reply.decoders(Self.search), QueryMessage.Searches.Reply.decoders(Self.searches),
        QueryMessage.Hunts.Reply.decoders(Self.hunts),
        Failure.decoders { failure in
            switch failure { case .failed(let message): .failed(message: message) }
        },
    ].flatMap { $0 }
    static let decoders = QueryKindDecoder.table(kinds)

    public init(from decoder: any Decoder) throws {
        self = try QueryKindDecoder.decode(decoder, Self.decoders)
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .keys(let reply): try reply.encode(to: encoder)
        case .installation(let reply): try reply.encode(to: encoder)
        case .captures(let reply): try reply.encode(to: encoder)
        case .packets(let reply): try reply.encode(to: encoder)
        case .flows(let reply): try reply.encode(to: encoder)
        case .events(let reply): try reply.encode(to: encoder)
        case .search(let reply): try reply.encode(to: encoder)
        case .searches(let reply): try reply.encode(to: encoder)
        case .hunts(let reply): try reply.encode(to: encoder)
        case .failed(let message): try Failure.failed(message: message).encode(to: encoder)
        }
    }
}

extension QueryMessage.Body: Codable {
    static let decoders = QueryKindDecoder.table(QueryMessage.Request.kinds.map { $0.map(Self.request) }
                                                  + QueryMessage.Reply.kinds.map { $0.map(Self.reply) })

    public init(from decoder: any Decoder) throws {
        self = try QueryKindDecoder.decode(decoder, Self.decoders)
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .request(let request): try request.encode(to: encoder)
        case .reply(let reply): try reply.encode(to: encoder)
        }
    }
}
