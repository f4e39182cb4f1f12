extension QueryMessage {
    /// Queries run while the gateway waits, and downloads: a capture's, a
    /// flow's or a search result's frames, planned and then paged.
    public enum Search {
        public enum Request: QueryKinds {
            /// Runs a query (or, with limit 0, only checks it).
            case run(SearchRequest)
            case getExportPlan(ExportTarget)
            /// The stored frames of a download after the cursor, in the download's order.
            case listExportFrames(ExportTarget, after: ExportCursor, limit: Int)

            enum CodingKeys: String, CodingKey, CaseIterable {
                case run = "search", getExportPlan, listExportFrames
            }
        }

        public enum Reply: QueryKinds {
            case page(SearchPage)
            /// nil: no such capture or flow, or a query that cannot run.
            case exportPlan(ExportPlan?)
            /// Binary on the wire (`QueryMessage+ExportFrames.swift`).
            case exportFrames([ExportFrame])

            enum CodingKeys: String, CodingKey, CaseIterable {
                case page = "searchPage", exportPlan, exportFrames
            }
        }
    }

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
