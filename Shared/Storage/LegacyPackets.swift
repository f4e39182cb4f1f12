import Database
import Dissection
import Formats
import PcapStore

/// Upgrades a data directory stored before the packet index: each
/// capture's legacy packet rows become index records of their segments,
/// a capture at a time (files synced, then runs and index lengths in one
/// transaction), and the rows' table is dropped once all are in. Storage
/// runs it at start, before the pcap store opens; stopped midway, it
/// starts over with the captures not done (their partial files are cut
/// back by recovery, as no index length was committed for them).
struct LegacyPackets {
    let writer: TrafficWriter
    let root: String
    static let rowsPerQuery = 50_000
    /// Records of one run, so a reader's chunk stays small (as storage's runs are, per batch).
    static let recordsPerRun = 32_768

    /// Converts every legacy row; returns how many were written.
    func upgrade() throws -> Int {
        guard try writer.hasLegacyPackets() else { return 0 }
        var written = 0
        for capture in try writer.capturesWithLegacyPackets() { written += try convert(capture: capture) }
        try writer.dropLegacyPackets()
        return written
    }

    /// One capture's rows into its segments' index files.
    func convert(capture: UInt64) throws -> Int {
        var segments: [Int64: SegmentID] = [:]
        var files = PacketIndexFiles(root: root)
        defer { files.close() }
        var runs: [(run: PacketRun, batchID: Int64)] = []
        var lastRun: [Int64: Int] = [:]
        var after: UInt64 = 0
        var written = 0
        while true {
            let rows = try writer.legacyPackets(ofCapture: capture, after: after, limit: Self.rowsPerQuery)
            for row in rows {
                guard let id = SegmentID(relativePath: row.segmentPath) else { continue }
                let record = try files.append(entry(row), to: id)
                if let index = lastRun[row.segmentRow], runs[index].batchID == row.batchID,
                   runs[index].run.records < Self.recordsPerRun,
                   runs[index].run.continues(segmentID: row.segmentRow, record: record) {
                    runs[index].run.extend(frame: row.frame, time: row.time)
                } else {
                    lastRun[row.segmentRow] = runs.count
                    runs.append((PacketRun(segmentID: row.segmentRow, firstRecord: record, captureID: capture,
                                           frame: row.frame, time: row.time), row.batchID))
                }
                segments[row.segmentRow] = id
                written += 1
            }
            guard let last = rows.last, rows.count == Self.rowsPerQuery else { break }
            after = last.frame
        }
        let lengths = try files.sync()
        try writer.commitLegacyIndex(runs: runs, indexLengths: segments.compactMapValues { lengths[$0] })
        return written
    }

    private func entry(_ row: TrafficWriter.LegacyPacket) -> PacketIndexEntry {
        let l = row.layers
        var vlans = VLANStack()
        for id in row.vlans { _ = vlans.push(id) }
        return PacketIndexEntry(
            frameNumber: row.frame, timestamp: row.time, flowKey: row.flowKey, anomalies: row.anomalies,
            offset: row.offset, capturedLength: row.capturedLength, wireLength: row.wireLength,
            layers: PacketLayers(l2Length: l[0], l3Type: UInt16(clamping: l[1]), l3Offset: l[2], l3Length: l[3],
                                 l4Type: UInt8(clamping: l[4]), l4Offset: l[5], l4Length: l[6], l5Offset: l[7],
                                 l5Length: l[8]),
            source: row.source, destination: row.destination, sourcePort: row.sourcePort,
            destinationPort: row.destinationPort, vlans: vlans)
    }
}
