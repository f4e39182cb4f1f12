import Foundation

extension QueryMessage {
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

    /// A capture or a flow: what a pcap download or an event listing covers.
    public enum TrafficScope: Codable, Hashable, Sendable {
        case capture(UInt64)
        case flow(UInt64)
    }

    /// What a download holds: a capture's or a flow's frames in frame
    /// order, or a search's packets (or the packets of the flows it found)
    /// in time order across captures.
    public enum ExportTarget: Codable, Hashable, Sendable {
        case scope(TrafficScope)
        case search(SearchRequest)
    }

    /// Where a download's next page starts: after this frame (a capture or
    /// a flow), or after this (time, capture, frame) (a search).
    public struct ExportCursor: Codable, Hashable, Sendable {
        public var time: Int64
        public var capture: UInt64
        public var frame: UInt64

        public init(time: Int64 = .min, capture: UInt64 = 0, frame: UInt64 = 0) {
            self.time = time
            self.capture = capture
            self.frame = frame
        }

        public static let start = ExportCursor()
    }

    /// One frame of a download.
    public struct ExportFrame: Codable, Hashable, Sendable {
        public var capture: UInt64
        public var frame: UInt64
        public var time: Int64
        public var linkType: UInt32
        public var position: StoredPosition

        public init(capture: UInt64, frame: UInt64, time: Int64, linkType: UInt32, position: StoredPosition) {
            self.capture = capture
            self.frame = frame
            self.time = time
            self.linkType = linkType
            self.position = position
        }

        /// The cursor of the page after this frame.
        public var cursor: ExportCursor { ExportCursor(time: time, capture: capture, frame: frame) }
    }

    /// A download's link types (one: pcap; several: pcapng) and size.
    public struct ExportPlan: Codable, Hashable, Sendable {
        public var linkTypes: [UInt32]
        public var packets: UInt64
        /// The frames' sizes when the file's bytes cannot change (a complete
        /// capture, a flow of one): what its length, `HEAD` and `Range` need.
        public var fixedFrames: FrameSizes?

        public init(linkTypes: [UInt32], packets: UInt64, fixedFrames: FrameSizes? = nil) {
            self.linkTypes = linkTypes
            self.packets = packets
            self.fixedFrames = fixedFrames
        }
    }

    /// The stored frames of a download: how many, their captured bytes, and
    /// those bytes with each frame padded to 4 (as pcapng stores them).
    public struct FrameSizes: Codable, Hashable, Sendable {
        public var frames: UInt64
        public var capturedBytes: UInt64
        public var paddedBytes: UInt64

        public init(frames: UInt64, capturedBytes: UInt64, paddedBytes: UInt64) {
            self.frames = frames
            self.capturedBytes = capturedBytes
            self.paddedBytes = paddedBytes
        }
    }
}

extension QueryMessage {
    /// A search of packets or flows with a query (docs/QUERY.md).
    public struct SearchRequest: Codable, Hashable, Sendable {
        public enum Target: String, Codable, Hashable, Sendable { case packets, flows, events }

        public var query: String
        public var target: Target
        /// Packets: continue after (capture, frame); flows: after flow id `afterID`.
        public var afterCapture: UInt64
        public var afterID: UInt64
        public var limit: Int
        /// The time window, ns since the Unix epoch: from `start` (inclusive) to `end` (exclusive).
        public var start: Int64?
        public var end: Int64?
        /// Events: the dataset whose events are returned (`Dataset.name`).
        public var dataset: String?
        /// A background search's API key (its SHA-256, hex): whose searches it counts against.
        public var owner: String?

        public init(query: String, target: Target, afterCapture: UInt64 = 0, afterID: UInt64 = 0, limit: Int,
                    start: Int64? = nil, end: Int64? = nil, dataset: String? = nil, owner: String? = nil) {
            self.query = query
            self.target = target
            self.afterCapture = afterCapture
            self.afterID = afterID
            self.limit = limit
            self.start = start
            self.end = end
            self.dataset = dataset
            self.owner = owner
        }
    }

    /// Where and why a query was refused.
    public struct QueryProblem: Codable, Hashable, Sendable {
        public var position: Int
        public var message: String
        public var hint: String?

        public init(position: Int, message: String, hint: String?) {
            self.position = position
            self.message = message
            self.hint = hint
        }
    }

    /// A packet a search found, with its capture.
    public struct FoundPacket: Codable, Hashable, Sendable {
        public var captureID: UInt64
        public var packet: Packet

        public init(captureID: UInt64, packet: Packet) {
            self.captureID = captureID
            self.packet = packet
        }
    }

    public struct SearchPage: Codable, Hashable, Sendable {
        public var packets: [FoundPacket]
        public var flows: [Flow]
        public var events: [StoredEvent]
        /// The cursor of the next page (`afterCapture`, `afterID`).
        public var lastCapture: UInt64
        public var lastID: UInt64
        /// The query as the compiler read it (canonical text).
        public var processed: String
        public var problem: QueryProblem?

        public init(packets: [FoundPacket] = [], flows: [Flow] = [], events: [StoredEvent] = [], lastCapture: UInt64 = 0,
                    lastID: UInt64 = 0, processed: String = "", problem: QueryProblem? = nil) {
            self.packets = packets
            self.flows = flows
            self.events = events
            self.lastCapture = lastCapture
            self.lastID = lastID
            self.processed = processed
            self.problem = problem
        }
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

    /// A background search: what was asked and how far it got.
    public struct SearchMeta: Codable, Hashable, Sendable {
        public enum Status: String, Codable, Hashable, Sendable {
            case queued, running, complete, failed, cancelled
        }

        public var id: UInt64
        public var query: String
        public var target: SearchRequest.Target
        public var dataset: String?
        public var status: Status
        /// Results stored (known once complete).
        public var found: UInt64
        public var error: String?

        public init(id: UInt64, query: String, target: SearchRequest.Target, dataset: String?, status: Status,
                    found: UInt64, error: String?) {
            self.id = id
            self.query = query
            self.target = target
            self.dataset = dataset
            self.status = status
            self.found = found
            self.error = error
        }
    }

    /// A page of a background search's results; `page.lastID` is the last ordinal.
    public struct SearchResults: Codable, Hashable, Sendable {
        public var meta: SearchMeta
        public var page: SearchPage

        public init(meta: SearchMeta, page: SearchPage) {
            self.meta = meta
            self.page = page
        }
    }
}
