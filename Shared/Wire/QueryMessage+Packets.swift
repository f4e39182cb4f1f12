extension QueryMessage {
    /// A capture's stored packets.
    public enum Packets {
        public enum Request: QueryKinds {
            /// Frames above `after`, in frame order, at most `limit`, stopping
            /// before the first frame not yet committed while the capture runs.
            case list(captureID: UInt64, after: UInt64, limit: Int)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case list = "listPackets"
            }
        }

        public enum Reply: QueryKinds {
            /// nil: no such capture.
            case page(PacketPage?)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case page = "packets"
            }
        }
    }

    /// Where a frame's pcap record lies in the pcap store.
    public struct StoredPosition: Codable, Hashable, Sendable {
        /// The segment's path relative to the store root.
        public var segment: String
        public var offset: UInt64
        /// The whole record: 16-byte header plus the captured frame.
        public var length: UInt32

        public init(segment: String, offset: UInt64, length: UInt32) {
            self.segment = segment
            self.offset = offset
            self.length = length
        }
    }

    /// A stored packet row (AppPacCap PACKET without its bytes).
    public struct Packet: Codable, Hashable, Sendable {
        public var frame: UInt64
        public var time: Int64
        public var capturedLength: Int
        public var wireLength: Int
        public var flowID: UInt64?
        public var source: String?
        public var destination: String?
        public var sourcePort: Int?
        public var destinationPort: Int?
        /// L2t … L5l, in the PACKET field order.
        public var layers: [Int]
        public var anomalies: UInt64
        /// Nil when the frame is not in the pcap store (time outside pcap's range).
        public var position: StoredPosition?

        public init(frame: UInt64, time: Int64, capturedLength: Int, wireLength: Int, flowID: UInt64?,
                    source: String?, destination: String?, sourcePort: Int?, destinationPort: Int?,
                    layers: [Int], anomalies: UInt64, position: StoredPosition?) {
            self.frame = frame
            self.time = time
            self.capturedLength = capturedLength
            self.wireLength = wireLength
            self.flowID = flowID
            self.source = source
            self.destination = destination
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
            self.layers = layers
            self.anomalies = anomalies
            self.position = position
        }
    }

    /// Frames of a capture after a cursor, never past a frame not yet committed.
    public struct PacketPage: Codable, Hashable, Sendable {
        public var packets: [Packet]
        /// Where the next poll continues (`after`): the last frame returned,
        /// or the cursor given when nothing new is settled.
        public var lastPacketID: UInt64
        /// Stored frames numbered up to the cursor given.
        public var before: UInt64
        public var total: UInt64
        public var lastFlowID: UInt64

        public init(packets: [Packet], lastPacketID: UInt64, before: UInt64, total: UInt64, lastFlowID: UInt64) {
            self.packets = packets
            self.lastPacketID = lastPacketID
            self.before = before
            self.total = total
            self.lastFlowID = lastFlowID
        }
    }
}
