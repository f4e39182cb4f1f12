import Foundation
import Logging
import Messaging
import PcapStore
import PostgresClient
import Wire

/// Runs every enabled hunt whose interval has passed since its last run
/// (`HuntRun`), checking once a second, on a connection of its own. A hunt
/// that fails records why and waits its interval; the others run on.
/// Several schedulers (search processes) share the hunts: each run holds
/// its hunt's lock. Blocking: run it on a thread of its own.
public final class HuntScheduler: Sendable {
    public struct Counters: Sendable, Equatable {
        public var runs = 0
        public var failures = 0
        public var matched = 0
    }

    private let conninfo: String
    private let pcapRoot: String
    private let defaultIntervalSeconds: Int
    private let timeoutSeconds: Int
    private let logger: Logger
    private let stopping = Locked(false)
    public let counters = Locked(Counters())

    /// `pcapRoot`: the pcap store, whose packet index packets hunts read.
    public init(conninfo: String, pcapRoot: String, defaultIntervalSeconds: Int, timeoutSeconds: Int, logger: Logger) {
        self.conninfo = conninfo
        self.pcapRoot = pcapRoot
        self.defaultIntervalSeconds = max(1, defaultIntervalSeconds)
        self.timeoutSeconds = max(1, timeoutSeconds)
        self.logger = logger
    }

    public func stop() { stopping.set(true) }

    public func run() throws {
        let connection = try PostgresConnection(conninfo: conninfo)
        try connection.execute("SET statement_timeout = \(timeoutSeconds * 1_000)")
        let hunt = HuntRun(packets: IndexedPackets(connection: connection, reader: PacketIndexReader(root: pcapRoot)),
                           timeoutSeconds: timeoutSeconds)
        while !stopping.get() {
            for id in try dueHunts(connection) where !stopping.get() {
                switch try hunt.run(id, .due(defaultIntervalSeconds: defaultIntervalSeconds)) {
                case .ran(let matched):
                    counters.update { $0.runs += 1; $0.matched += matched }
                case .failed(let message):
                    counters.update { $0.runs += 1; $0.failures += 1 }
                    logger.warning("hunt failed", metadata: ["hunt": "\(id)", "error": "\(message)"])
                case .skipped, .missing:
                    break
                }
            }
            Thread.sleep(forTimeInterval: 1)
        }
    }

    /// Enabled hunts whose interval has passed, least recently run first.
    private func dueHunts(_ connection: PostgresConnection) throws -> [Int64] {
        try connection.query("""
            SELECT id FROM hunts
            WHERE enabled AND \(HuntRun.isDue(defaultInterval: "$1"))
            ORDER BY last_run_at NULLS FIRST, id
            """, [defaultIntervalSeconds]).rows.compactMap { $0.first.flatMap { $0.flatMap { Int64($0) } } }
    }
}
