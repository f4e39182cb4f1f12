import Foundation

extension QueryMessage {
    /// Captures: listed, one by id, its CAPTUREMETA and its counts.
    public enum Captures {
        public enum Request: QueryKinds {
            /// Captures with an id above `after`, ascending, at most `limit`.
            case list(after: UInt64, limit: Int)
            case get(id: UInt64)
            case getMeta(id: UInt64)
            case getStats(id: UInt64)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case list = "listCaptures", get = "getCapture", getMeta = "getCaptureMeta", getStats = "getCaptureStats"
            }
        }

        /// nil: no such capture.
        public enum Reply: QueryKinds {
            case captures([Capture])
            case capture(Capture?)
            case meta(CaptureMeta?)
            case stats(CaptureStats?)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case captures, capture, meta = "captureMeta", stats = "captureStats"
            }
        }
    }

    /// A capture as the read side returns it.
    public struct Capture: Codable, Hashable, Sendable {
        public var id: UInt64
        public var sensorID: UUID
        public var sensorName: String
        public var source: String
        public var status: String
        public var failureReason: String?
        public var packets: UInt64
        public var bytes: UInt64
        public var wireBytes: UInt64
        /// Packet time of the first and last packet, ns (nil before the first).
        public var firstPacket: Int64?
        public var lastPacket: Int64?
        /// When the capture started and ended (wall clock, ns).
        public var startedAt: Int64
        public var endedAt: Int64?
        /// The digest of the file a file capture was read from; nil when live.
        public var file: FileDigest?

        public init(id: UInt64, sensorID: UUID, sensorName: String, source: String, status: String,
                    failureReason: String?, packets: UInt64, bytes: UInt64, wireBytes: UInt64, firstPacket: Int64?,
                    lastPacket: Int64?, startedAt: Int64, endedAt: Int64?, file: FileDigest? = nil) {
            self.id = id
            self.sensorID = sensorID
            self.sensorName = sensorName
            self.source = source
            self.status = status
            self.failureReason = failureReason
            self.packets = packets
            self.bytes = bytes
            self.wireBytes = wireBytes
            self.firstPacket = firstPacket
            self.lastPacket = lastPacket
            self.startedAt = startedAt
            self.endedAt = endedAt
            self.file = file
        }
    }

    /// A capture's counts (AppPacCap STATSCAPTUREQUERY).
    public struct CaptureStats: Codable, Hashable, Sendable {
        public var packets: UInt64
        public var bytes: UInt64
        public var flows: UInt64
        public var addresses: UInt64
        public var ipv4: UInt64
        public var ipv6: UInt64
        public var tcp: UInt64
        public var udp: UInt64
        public var icmp: UInt64

        public init(packets: UInt64, bytes: UInt64, flows: UInt64, addresses: UInt64, ipv4: UInt64, ipv6: UInt64,
                    tcp: UInt64, udp: UInt64, icmp: UInt64) {
            self.packets = packets
            self.bytes = bytes
            self.flows = flows
            self.addresses = addresses
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.tcp = tcp
            self.udp = udp
            self.icmp = icmp
        }
    }

    /// A capture with what polling needs (AppPacCap CAPTUREMETA).
    public struct CaptureMeta: Codable, Hashable, Sendable {
        public var capture: Capture
        public var flows: UInt64
        /// The highest flow id of the capture (0 without flows).
        public var lastFlowID: UInt64
        /// The highest frame number below which every frame is committed.
        public var lastPacketID: UInt64

        public init(capture: Capture, flows: UInt64, lastFlowID: UInt64, lastPacketID: UInt64) {
            self.capture = capture
            self.flows = flows
            self.lastFlowID = lastFlowID
            self.lastPacketID = lastPacketID
        }
    }
}
