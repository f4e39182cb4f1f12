import ArgumentParser
import Capture
import Foundation
import Messaging
import Operations
import Sensor

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Send a capture file, or a directory of them, into a running NetSift.",
        discussion: """
            Returns once every packet, flow and end marker is committed, then prints each capture's id \
            and totals. Exit status 1 when a file could not be read to its end (what was read is stored).
            """)

    @Argument(help: "A pcap/pcapng file, or a directory whose capture files are sent in name order.")
    var path: String

    @OptionGroup var data: DataOption

    @Flag(help: "No progress line.")
    var quiet = false

    func run() throws {
        let deployment = try Deployment.load(dataDirectory: data.path)
        let listing = try CaptureSource.files(at: path)
        for skipped in listing.skipped { printError("skipping \(skipped): not a pcap or pcapng file") }
        guard !listing.captures.isEmpty else {
            printError("no capture files in \(path)")
            throw ExitCode(2)
        }
        if try !Self.ingest(listing.captures, into: deployment, progress: !quiet) { throw ExitCode(1) }
    }

    /// Sends `paths` as the deployment's sensor and prints each capture's
    /// totals; false when some capture did not complete.
    static func ingest(_ paths: [String], into deployment: Deployment, progress: Bool) throws -> Bool {
        let identity = try SensorIdentityFile.loadOrCreate(path: deployment.sensorIdentityFile,
                                                           defaultName: SensorIdentityFile.hostName)
        let context = try MessageContext()
        defer { context.terminate() }
        let link = try SensorLink(context: context, endpoints: SensorLink.Endpoints(
            decoders: (0 ..< deployment.decoders).map { deployment.endpoint(.decoderFrames($0)) },
            storageControl: deployment.endpoint(.storageControl),
            storageAcks: deployment.endpoint(.storageAcks)))
        defer { link.close() }
        var options = FileIngest.Options(sensorID: identity.id, sensorName: identity.name, lanes: deployment.decoders,
                                         runID: paths.count > 1 ? UUID() : nil)
        options.ackTimeout = .seconds(5)
        let ingest = FileIngest(options: options, link: link)
        let bar = ProgressLine(enabled: progress && isatty(STDERR_FILENO) == 1)
        let results = try ingest.run(paths: paths) { bar.show($0) }
        bar.finish()

        var complete = true
        for result in results {
            let totals = result.totals
            let status = totals?.status ?? "unknown"
            if status != "complete" { complete = false }
            var line = "capture \(result.captureID): \(result.path): \(status), \(totals?.packets ?? 0) packets, "
                + "\(totals?.bytes ?? 0) bytes, \(totals?.flows ?? 0) flows"
            if let reason = totals?.failureReason ?? result.summary.failure?.description { line += " (\(reason))" }
            say(line)
        }
        if ingest.counters.replays > 0 {
            printError("lanes sent again after acknowledgements stalled: \(ingest.counters.replays)")
        }
        return complete
    }
}

/// `1,234,567 packets  98.7 MB/s  45%  ETA 0:12` on one refreshed line.
final class ProgressLine {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: FileIngest.Progress) {
        guard enabled else { return }
        let seconds = Double(progress.elapsed.components.seconds)
            + Double(progress.elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(progress.bytesSent) / seconds : 0
        var line = "\(progress.framesSent) packets  \(String(format: "%.1f", rate / 1e6)) MB/s"
        if progress.totalBytes > 0 {
            let fraction = min(1, Double(progress.bytesSent) / Double(progress.totalBytes))
            line += String(format: "  %3.0f%%", fraction * 100)
            if rate > 0 {
                let left = Int(Double(progress.totalBytes - min(progress.totalBytes, progress.bytesSent)) / rate)
                line += "  ETA \(left / 60):" + String(format: "%02d", left % 60)
            }
        }
        line += "  (\(progress.capturesDone)/\(progress.captures) files)"
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
