import Messaging
import PcapStore
import PostgresClient
import Wire

/// The read side's answers from PostgreSQL, every value a query parameter.
/// Blocking (libpq): one engine per worker thread.
public final class SearchEngine {
    public let connection: PostgresConnection
    public let limits: SearchLimits
    /// The packet index beside the pcap store.
    let packets: IndexedPackets
    /// Most captures one listing returns.
    public static let maxLimit = 1_000
    /// Most frames one download page lists.
    public static let maxExportFrames = 20_000

    /// Recent search exports' frames (`ExportResults`), shared by the
    /// process's engines: a file's pages go to whichever worker is free.
    static let exportResults = Locked(ExportResults())
    /// The frame sizes of complete captures' downloads, by capture and the
    /// runs that held them (count and records: retention changes both), so
    /// concurrent downloads of a capture read its index once.
    static let captureSizes = Locked([CaptureRuns: QueryMessage.FrameSizes]())
    static let maxCaptureSizes = 1_000
    /// Capture stats answered in the last second: counting a capture's
    /// distinct addresses reads all its flows (~40 ms for 28k flows), and a
    /// dashboard polls them. A second of staleness is the price.
    var recentStats: [UInt64: (stats: QueryMessage.CaptureStats, at: ContinuousClock.Instant)] = [:]
    static let statsLifetime = Duration.seconds(1)
    static let maxCachedStats = 10_000

    /// Longest a statement may run before PostgreSQL cancels it.
    static let statementTimeoutSeconds = 30

    /// `pcapRoot`: the pcap store storage writes, read for its packet index.
    public convenience init(conninfo: String, pcapRoot: String, limits: SearchLimits = .default) throws {
        self.init(connection: try PostgresConnection(conninfo: conninfo), pcapRoot: pcapRoot, limits: limits)
        try connection.execute("SET statement_timeout = \(Self.statementTimeoutSeconds * 1_000)")
        // Compiling a plan to machine code costs ~20 ms a statement; a page of 100 is done sooner.
        try connection.execute("SET jit = off")
    }

    /// An engine on a connection its owner has set up (a search runner's, with its own timeout).
    init(connection: PostgresConnection, pcapRoot: String, limits: SearchLimits = .default) {
        self.limits = limits
        self.connection = connection
        packets = IndexedPackets(connection: connection, reader: PacketIndexReader(root: pcapRoot))
    }

    public func answer(_ request: QueryMessage.Request) throws -> QueryMessage.Reply {
        switch request {
        case .keys(let request): .keys(try answer(request))
        case .installation(let request): .installation(try answer(request))
        case .captures(let request): .captures(try answer(request))
        case .packets(let request): .packets(try answer(request))
        case .flows(let request): .flows(try answer(request))
        case .events(let request): .events(try answer(request))
        case .search(let request): try answer(request)
        case .searches(let request): try answer(request)
        case .hunts(let request): .hunts(try answer(request))
        }
    }

    static func clamp(_ limit: Int) -> Int { max(1, min(limit, maxLimit)) }

    /// A request handler for `RequestServer`: one engine, one connection.
    public static func handler(conninfo: String, pcapRoot: String,
                               limits: SearchLimits = .default) throws -> RequestServer<QueryMessage>.Handler {
        let engine = try SearchEngine(conninfo: conninfo, pcapRoot: pcapRoot, limits: limits)
        return { message in
            guard case .request(let request) = message.body else {
                return QueryMessage(.reply(.failed(message: "not a query")))
            }
            return QueryMessage(.reply(try engine.answer(request)))
        }
    }

    /// The reply to a query that threw; a lost connection drops the engine.
    @Sendable public static func failure(_ error: any Error) -> (reply: QueryMessage, dropHandler: Bool) {
        (QueryMessage(.reply(.failed(message: "\(error)"))), (error as? PostgresError)?.kind == .connection)
    }
}
