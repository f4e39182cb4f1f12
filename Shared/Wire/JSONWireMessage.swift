import Foundation

/// A low-volume request/reply type whose one payload frame is the JSON of
/// its `Body` (`control.v1`, `query.v1`). Item count = 1.
public protocol JSONWireMessage: WireMessage {
    associatedtype Body: Codable & Hashable & Sendable
    var body: Body { get }
    init(_ body: Body)
    /// The largest payload a receiver accepts.
    static func payloadLimit(_ limits: WireLimits) -> Int
}

extension JSONWireMessage {
    public var itemCount: UInt32 { 1 }

    public func encodePayload() -> [UInt8] { Self.jsonPayload(body) }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        self.init(try Self.jsonBody(payload, itemCount: itemCount, limits: limits))
    }

    static func jsonPayload(_ body: Body) -> [UInt8] {
        // Encoding these plain values cannot fail; an empty payload would be refused by the peer.
        (try? JSONEncoder().encode(body)).map { [UInt8]($0) } ?? []
    }

    /// Checks the item count and the size, then decodes the JSON.
    static func jsonBody(_ payload: [UInt8], itemCount: UInt32, limits: WireLimits) throws(WireError) -> Body {
        try checkFrame(payload, itemCount: itemCount, limits: limits)
        do {
            return try JSONDecoder().decode(Body.self, from: Data(payload))
        } catch {
            throw WireError(.invalidValue, "\(Self.type.name): not a \(Self.type.name) body: \(error)")
        }
    }

    static func checkFrame(_ payload: [UInt8], itemCount: UInt32, limits: WireLimits) throws(WireError) {
        let name = Self.type.name
        guard itemCount == 1 else { throw WireError(.invalidValue, "\(name): item count \(itemCount), must be 1") }
        let limit = Self.payloadLimit(limits)
        guard payload.count <= limit else {
            throw WireError(.limitExceeded, "\(name): \(payload.count) bytes; limit \(limit)")
        }
    }
}
