extension QueryMessage {
    /// Flows: all or by Community ID, a capture's, one by id.
    public enum Flows {
        public enum Request: QueryKinds {
            /// A capture's flows by id above `after`.
            case list(captureID: UInt64, after: UInt64, limit: Int)
            /// Flows (with this Community ID, when given), by id above `after`.
            case find(communityID: String?, after: UInt64, limit: Int)
            case get(id: UInt64)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case list = "listFlows", find = "findFlows", get = "getFlow"
            }
        }

        /// nil: no such capture, or no such flow.
        public enum Reply: QueryKinds {
            case flows([Flow]?)
            case flow(Flow?)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case flows, flow
            }
        }
    }

    /// A flow as the read side returns it (its latest report).
    public struct Flow: Codable, Hashable, Sendable {
        public var id: UInt64
        public var captureID: UInt64
        public var communityID: String
        /// Initiator and responder.
        public var source: String
        public var destination: String
        public var sourcePort: Int?
        public var destinationPort: Int?
        public var protocolNumber: Int
        public var start: Int64
        public var end: Int64
        public var firstFrame: UInt64
        public var sourcePackets: UInt64
        public var sourceBytes: UInt64
        public var destinationPackets: UInt64
        public var destinationBytes: UInt64
        public var sourceTCPFlags: Int
        public var destinationTCPFlags: Int
        public var isFinal: Bool
        public var reason: String
        public var vlans: [Int]

        public init(id: UInt64, captureID: UInt64, communityID: String, source: String, destination: String,
                    sourcePort: Int?, destinationPort: Int?, protocolNumber: Int, start: Int64, end: Int64,
                    firstFrame: UInt64, sourcePackets: UInt64, sourceBytes: UInt64, destinationPackets: UInt64,
                    destinationBytes: UInt64, sourceTCPFlags: Int, destinationTCPFlags: Int, isFinal: Bool,
                    reason: String, vlans: [Int]) {
            self.id = id
            self.captureID = captureID
            self.communityID = communityID
            self.source = source
            self.destination = destination
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
            self.protocolNumber = protocolNumber
            self.start = start
            self.end = end
            self.firstFrame = firstFrame
            self.sourcePackets = sourcePackets
            self.sourceBytes = sourceBytes
            self.destinationPackets = destinationPackets
            self.destinationBytes = destinationBytes
            self.sourceTCPFlags = sourceTCPFlags
            self.destinationTCPFlags = destinationTCPFlags
            self.isFinal = isFinal
            self.reason = reason
            self.vlans = vlans
        }
    }
}
