import Capture
import Dissection
import Flows

/// Where a capture's decoder delivers what it learns, in frame order (flow
/// reports that a frame's time triggers come just before that frame).
public protocol DecodeSink {
    /// `flow` is nil for frames outside any flow (non-IP, fragments still
    /// waiting); `reassembled` lists the frames of a datagram this frame
    /// completed, itself included.
    mutating func packet(_ frame: Frame, _ packet: DecodedPacket, flow: FlowTable.Ref?,
                         reassembled: [FragmentReassembler.Piece]?)
    mutating func flow(_ report: FlowReport)
    /// Frames delivered earlier without a flow (fragments) that belong to
    /// `flow`: their datagram completed or was given up.
    mutating func attach(frames: [UInt64], to flow: FlowTable.Ref)
    /// The transport payload of the datagram the next `packet` call
    /// completes (its fragments reassembled), for application parsers: that
    /// packet's own L5 offsets are its frame's. Valid only during the call.
    mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer)
}

extension DecodeSink {
    public mutating func attach(frames: [UInt64], to flow: FlowTable.Ref) {}
    public mutating func reassembledPayload(_ payload: UnsafeRawBufferPointer) {}
}
