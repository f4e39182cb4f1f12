import Records

/// What a receiver accepts; everything above is `WireError.limitExceeded`.
/// The defaults fit every message NetSift's own producers send.
public struct WireLimits: Sendable, Hashable {
    /// Bytes in a type frame; names are short ASCII like `frames.v1`.
    public var typeNameLength = 64
    /// Payload frames in one message; every v1 type uses exactly one.
    public var payloadFrames = 8
    /// Bytes in one payload frame: 64 MiB, far above a batch of thousands
    /// of full-size frames (producers aim at 64 KiB – 4 MiB).
    public var payloadBytes = 64 << 20
    /// Frames in one `frames.v1` batch ("hundreds to thousands").
    public var framesPerBatch = 65_536
    /// Captured bytes of one frame: libpcap's MAXIMUM_SNAPLEN (262144).
    public var capturedLength = 262_144
    /// Ranges in one `ack.v1`.
    public var ackRanges = 65_536
    /// UTF-8 bytes of an `end.v1` reason.
    public var reasonLength = 4_096

    /// Sensor sequence ranges one `records.v1` covers.
    public var recordCovers = 65_536
    /// Packet records in one `records.v1` (a batch per thousands of frames).
    public var packetRecords = 1 << 20
    /// Flow records in one `records.v1`.
    public var flowRecords = 1 << 20
    /// VLAN ids of one record: what `VLANStack` holds (4).
    public var vlanIDs = 4
    /// UTF-8 bytes of a flow's Community ID (`1:` + 28 base64 characters).
    public var communityIDLength = 128
    /// Application-layer events in one `records.v1`.
    public var eventRecords = 1 << 20
    /// How deep an event's lists and objects nest (DNS answers are one level).
    public var eventNesting = EventFieldCodec.nesting
    /// Bytes of one `control.v1` JSON payload.
    public var controlBytes = 64 << 10
    /// Bytes of one `query.v1` JSON payload (a page of results).
    public var queryBytes = 16 << 20

    public init() {}

    public static let `default` = WireLimits()
}
