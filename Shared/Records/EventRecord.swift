import Events

/// One application-layer transaction on its way to storage: which capture
/// and flow it belongs to, when it completed, the frames that carried it,
/// and its fields under their ECS names, encoded once (`EncodedFields`).
public struct EventRecord: Hashable, Sendable {
    public var captureID: UInt64
    /// 1-based position among its flow's events: the same when a restarted
    /// decoder decodes the capture again, so (capture, flow, sequence, time)
    /// names an event.
    public var sequence: UInt32
    public var dataset: Dataset
    public var flowKey: UInt64
    public var communityID: String
    /// Packet time (ns) of the frame that completed it, or of its flow's end.
    public var time: Int64
    public var frames: [UInt64]
    public var fields: EncodedFields

    public init(captureID: UInt64, sequence: UInt32, dataset: Dataset, flowKey: UInt64, communityID: String,
                time: Int64, frames: [UInt64], fields: EncodedFields) {
        self.captureID = captureID
        self.sequence = sequence
        self.dataset = dataset
        self.flowKey = flowKey
        self.communityID = communityID
        self.time = time
        self.frames = frames
        self.fields = fields
    }

    public init(captureID: UInt64, sequence: UInt32, dataset: Dataset, flowKey: UInt64, communityID: String,
                time: Int64, frames: [UInt64], fields: [ProtocolField]) {
        self.init(captureID: captureID, sequence: sequence, dataset: dataset, flowKey: flowKey, communityID: communityID,
                  time: time, frames: frames, fields: EncodedFields(fields))
    }
}
