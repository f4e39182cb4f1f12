/// `watermark.v1`: the packet clock of a capture, sent to every decoder so
/// idle ones still expire flows. Payload (24 bytes, little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | capture id (UInt64) |
/// | 8 | 8 | through frame: every frame numbered up to this one has been sent (UInt64) |
/// | 16 | 8 | packet time: the latest timestamp among those frames, ns since the epoch (Int64) |
public struct Watermark: WireMessage {
    public static let type = MessageType(validated: "watermark.v1")
    static let size = 24

    public var captureID: UInt64
    public var throughFrame: UInt64
    public var packetTime: Int64

    public init(captureID: UInt64, throughFrame: UInt64, packetTime: Int64) {
        self.captureID = captureID
        self.throughFrame = throughFrame
        self.packetTime = packetTime
    }

    public var itemCount: UInt32 { 1 }

    public func encodePayload() -> [UInt8] {
        var w = WireWriter(capacity: Self.size)
        w.uint64(captureID)
        w.uint64(throughFrame)
        w.int64(packetTime)
        return w.bytes
    }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        var r = WireReader(payload, context: "watermark.v1")
        guard itemCount == 1 else { throw r.error(.invalidValue, "item count \(itemCount), must be 1") }
        captureID = try r.uint64("capture id")
        throughFrame = try r.uint64("through frame")
        packetTime = try r.int64("packet time")
        try r.expectEnd()
    }
}

extension Watermark {
    /// A watermark through frame 0 starts a capture on a lane; its packet
    /// time says which kind. A decoder joins a file capture only at its
    /// start (the sensor sends it again from there), and a live capture at
    /// a start marker the sensor sends again ahead of what it still holds;
    /// on a live lane later gaps are accepted (live frames cannot be sent
    /// again; a flow open across a decoder restart is split).
    public static let fileStart: Int64 = 0
    public static let liveStart: Int64 = 1

    public var isStart: Bool { throughFrame == 0 }
    public var isLiveStart: Bool { throughFrame == 0 && packetTime == Self.liveStart }
}
