import Foundation

extension QueryMessage {
    /// What the installation holds: its totals, its sensors and their adapters.
    public enum Installation {
        public enum Request: QueryKinds {
            case getTotals
            case listSensors
            /// Every sensor's adapters, or one sensor's.
            case listAdapters(sensorID: UUID?)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case getTotals, listSensors, listAdapters
            }
        }

        public enum Reply: QueryKinds {
            case totals(Totals)
            case sensors([Sensor])
            case adapters([Adapter])

            enum CodingKeys: String, CodingKey, CaseIterable {
                case totals, sensors, adapters
            }
        }
    }

    /// Installation-wide counts (AppPacCap STATSQUERY).
    public struct Totals: Codable, Hashable, Sendable {
        public var runningCaptures: UInt64
        public var lastCompleteCapture: UInt64
        public var adapters: UInt64
        public var packets: UInt64
        public var bytes: UInt64
        public var flows: UInt64

        public init(runningCaptures: UInt64, lastCompleteCapture: UInt64, adapters: UInt64, packets: UInt64,
                    bytes: UInt64, flows: UInt64) {
            self.runningCaptures = runningCaptures
            self.lastCompleteCapture = lastCompleteCapture
            self.adapters = adapters
            self.packets = packets
            self.bytes = bytes
            self.flows = flows
        }
    }

    /// A sensor as storage registered it.
    public struct Sensor: Codable, Hashable, Sendable {
        public var id: UUID
        public var name: String
        public var createdAt: Int64
        public var captures: UInt64

        public init(id: UUID, name: String, createdAt: Int64, captures: UInt64) {
            self.id = id
            self.name = name
            self.createdAt = createdAt
            self.captures = captures
        }
    }

    /// A network adapter as its sensor reported it.
    public struct Adapter: Codable, Hashable, Sendable {
        public var sensorID: UUID
        public var name: String
        public var description: String
        public var isUp: Bool
        public var macAddress: String?
        public var ipv4: [String]
        public var ipv6: [String]
        public var mtu: Int?

        public init(sensorID: UUID, name: String, description: String, isUp: Bool, macAddress: String?,
                    ipv4: [String], ipv6: [String], mtu: Int?) {
            self.sensorID = sensorID
            self.name = name
            self.description = description
            self.isUp = isUp
            self.macAddress = macAddress
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.mtu = mtu
        }
    }
}
