import Foundation

/// `control.v1`: the low-volume request/reply exchange between a sensor (or
/// `netsift ingest`) and storage over DEALER → ROUTER — starting captures,
/// asking for a capture's totals. The payload is one JSON object (the
/// `Body` enum's Codable form); the header's producer is the asker and its
/// sequence the request number, which the reply repeats. Item count = 1.
public struct ControlMessage: JSONWireMessage {
    public static let type = MessageType(validated: "control.v1")

    public struct CaptureTotals: Codable, Hashable, Sendable {
        public var captureID: UInt64
        public var status: String
        public var failureReason: String?
        public var expectedFrames: UInt64?
        public var packets: UInt64
        public var bytes: UInt64
        public var flows: UInt64

        public init(captureID: UInt64, status: String, failureReason: String?, expectedFrames: UInt64?,
                    packets: UInt64, bytes: UInt64, flows: UInt64) {
            self.captureID = captureID
            self.status = status
            self.failureReason = failureReason
            self.expectedFrames = expectedFrames
            self.packets = packets
            self.bytes = bytes
            self.flows = flows
        }
    }

    /// A network adapter as a sensor reports it (AppPacCap NETADAPTER fields).
    public struct Adapter: Codable, Hashable, Sendable {
        public var name: String
        public var description: String
        public var isUp: Bool
        public var isRunning: Bool
        public var isLoopback: Bool
        public var macAddress: String?
        public var ipv4: [String]
        public var ipv6: [String]
        public var mtu: Int?

        public init(name: String, description: String, isUp: Bool, isRunning: Bool, isLoopback: Bool,
                    macAddress: String?, ipv4: [String], ipv6: [String], mtu: Int?) {
            self.name = name
            self.description = description
            self.isUp = isUp
            self.isRunning = isRunning
            self.isLoopback = isLoopback
            self.macAddress = macAddress
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.mtu = mtu
        }
    }

    /// What a live capture did not capture, cumulative since it started.
    public struct CaptureStatistics: Codable, Hashable, Sendable {
        public var captureID: UInt64
        /// Frames libpcap says reached the capture (pcap_stats ps_recv).
        public var received: UInt64
        public var kernelDrops: UInt64
        public var interfaceDrops: UInt64
        /// Frames the sensor dropped itself: a decoder's queue was full.
        public var sensorDrops: UInt64

        public init(captureID: UInt64, received: UInt64, kernelDrops: UInt64, interfaceDrops: UInt64,
                    sensorDrops: UInt64) {
            self.captureID = captureID
            self.received = received
            self.kernelDrops = kernelDrops
            self.interfaceDrops = interfaceDrops
            self.sensorDrops = sensorDrops
        }
    }

    public enum Body: Codable, Hashable, Sendable {
        /// Sensor → storage: register the sensor and start a capture of
        /// `source`; `file` is the digest of a capture file (nil when live,
        /// or from a sensor before chain of custody).
        case startCapture(sensorID: UUID, sensorName: String, source: String, runID: UUID?, file: FileDigest? = nil)
        /// Storage → sensor: the capture's id.
        case captureStarted(captureID: UInt64)
        /// Ask for a capture's status and totals.
        case captureStatus(captureID: UInt64)
        case captureTotals(CaptureTotals)
        /// Sensor → storage: the sensor's adapters, replacing what it reported before.
        case reportAdapters(sensorID: UUID, sensorName: String, adapters: [Adapter])
        /// Sensor → storage: a live capture's drop counters.
        case reportStatistics(CaptureStatistics)
        /// Storage → asker: done.
        case done
        /// Storage → asker: the request failed; `message` says why.
        case failed(message: String)
    }

    public var body: Body

    public init(_ body: Body) { self.body = body }

    public static func payloadLimit(_ limits: WireLimits) -> Int { limits.controlBytes }
}
