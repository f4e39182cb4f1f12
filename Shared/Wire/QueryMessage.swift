import Auth
import Formats
import Foundation

/// `query.v1`: the gateway's questions to search (the read side) and the
/// answers, over DEALER → ROUTER. Like `control.v1`: one JSON payload (the
/// Codable form of `Body`), the header's producer the asker and its
/// sequence the request number, repeated in the reply. Item count = 1.
/// One exception: `exportFrames`, pages of thousands of positions, is
/// binary (`QueryMessage+ExportFrames.swift`).
public struct QueryMessage: JSONWireMessage {
    public static let type = MessageType(validated: "query.v1")

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

    public enum Body: Codable, Hashable, Sendable {
        /// Is a live key stored with this SHA-256 (hex)?
        case verifyKey(hashHex: String)
        /// Its name and role; nil when no live key has that hash.
        case keyHolder(APIKeyHolder?)
        /// Captures with an id above `after`, ascending, at most `limit`.
        case listCaptures(after: UInt64, limit: Int)
        case captures([Capture])
        case getCapture(id: UInt64)
        case capture(Capture?)
        case getCaptureStats(id: UInt64)
        case captureStats(CaptureStats?)
        case getTotals
        case totals(Totals)
        case listSensors
        case sensors([Sensor])
        /// Every sensor's adapters, or one sensor's.
        case listAdapters(sensorID: UUID?)
        case adapters([Adapter])
        case getCaptureMeta(id: UInt64)
        case captureMeta(CaptureMeta?)
        /// Frames above `after`, in frame order, at most `limit`, stopping
        /// before the first frame not yet committed while the capture runs.
        case listPackets(captureID: UInt64, after: UInt64, limit: Int)
        case packets(PacketPage?)
        /// A capture's flows by id above `after`.
        case listFlows(captureID: UInt64, after: UInt64, limit: Int)
        /// Flows (with this Community ID, when given), by id above `after`.
        case findFlows(communityID: String?, after: UInt64, limit: Int)
        case flows([Flow]?)
        case getFlow(id: UInt64)
        case flow(Flow?)
        case getExportPlan(ExportTarget)
        case exportPlan(ExportPlan?)
        /// The stored frames of a download after the cursor, in the download's order.
        case listExportFrames(ExportTarget, after: ExportCursor, limit: Int)
        case exportFrames([ExportFrame])
        /// Application-layer events of a capture or a flow, of one dataset or
        /// all, by id above `after`; nil when the capture or flow is unknown.
        case listEvents(TrafficScope, dataset: String?, after: UInt64, limit: Int)
        case events([StoredEvent]?)
        /// Queues a search to run in the background: its SEARCHMETA, a
        /// `searchPage` with the problem when the query cannot run, or
        /// `searchesBusy` when its owner has as many queued or running as allowed.
        case startSearch(SearchRequest)
        /// The owner's queued and running searches, and the most it may have.
        case searchesBusy(active: Int, limit: Int)
        case getSearch(id: UInt64)
        /// Stops a queued or running search (its SEARCHMETA after), or deletes
        /// a finished one with its results (its SEARCHMETA as it was).
        case cancelSearch(id: UInt64)
        case searchMeta(SearchMeta?)
        /// A search's results by ordinal above `after`; nil when there is no such search.
        case listSearchResults(id: UInt64, after: UInt64, limit: Int)
        case searchResults(SearchResults?)
        /// Saves a hunt: its `hunt`, or `huntRefused`.
        case addHunt(HuntRequest)
        case huntRefused(HuntRefusal)
        case listHunts
        case hunts([Hunt])
        case getHunt(id: UInt64)
        case updateHunt(id: UInt64, HuntChange)
        /// Deletes a hunt with its matches: the hunt as it was.
        case deleteHunt(id: UInt64)
        /// Runs a hunt now, whether due or not: the hunt after the run.
        case runHunt(id: UInt64)
        /// nil when there is no such hunt.
        case hunt(Hunt?)
        /// A hunt's matches by ordinal above `after`; nil when there is no such hunt.
        case listHuntMatches(id: UInt64, after: UInt64, limit: Int)
        case huntMatches(HuntMatches?)
        /// Runs a query (or, with limit 0, only checks it).
        case search(SearchRequest)
        case searchPage(SearchPage)
        case failed(message: String)
    }

    public var body: Body

    public init(_ body: Body) { self.body = body }

    public static func payloadLimit(_ limits: WireLimits) -> Int { limits.queryBytes }

    public func encodePayload() -> [UInt8] {
        if case .exportFrames(let frames) = body { return Self.exportFramesPayload(frames) }
        return Self.jsonPayload(body)
    }

    public init(payload: [UInt8], itemCount: UInt32, limits: WireLimits = .default) throws(WireError) {
        if payload.first == Self.exportFramesTag {
            try Self.checkFrame(payload, itemCount: itemCount, limits: limits)
            body = .exportFrames(try Self.exportFrames(payload, limits: limits))
            return
        }
        body = try Self.jsonBody(payload, itemCount: itemCount, limits: limits)
        // One encoding per value: export frames only ever travel binary.
        if case .exportFrames = body { throw WireError(.invalidValue, "query.v1: exportFrames as JSON") }
    }
}
