extension QueryMessage {
    /// Application-layer events of a capture or a flow.
    public enum Events {
        public enum Request: QueryKinds {
            /// Events of one dataset or all, by id above `after`.
            case list(TrafficScope, dataset: String?, after: UInt64, limit: Int)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case list = "listEvents"
            }
        }

        public enum Reply: QueryKinds {
            /// nil: the capture or flow is unknown.
            case events([StoredEvent]?)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case events
            }
        }
    }

    /// A capture or a flow: what a pcap download or an event listing covers.
    public enum TrafficScope: Codable, Hashable, Sendable {
        case capture(UInt64)
        case flow(UInt64)
    }

    /// A stored event: its id and its ECS document (JSON text) with the id as `netsift.event`.
    public struct StoredEvent: Codable, Hashable, Sendable {
        public var id: UInt64
        public var document: String

        public init(id: UInt64, document: String) {
            self.id = id
            self.document = document
        }
    }
}
