import ArgumentParser
import Capture
import Foundation
import Messaging
import Operations
import Sensor
import Wire

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Send a capture file, or a directory of them, into a running NetSift.",
        discussion: """
            Returns once every packet, flow and end marker is committed, then prints each capture's id \
            and totals. While acknowledgements do not move it says why (database down, disk full, a \
            decoder restarting). Exit status 1 when a file could not be read to its end (what was read is \
            stored), 3 when --timeout passed first.
            """)

    @Argument(help: "A pcap/pcapng file, or a directory whose capture files are sent in name order.")
    var path: String

    @OptionGroup var data: DataOption

    @Flag(help: "No progress line.")
    var quiet = false

    @Option(help: "Give up (exit 3, saying why) when everything is not committed within this long: 90s, 10m, 2h.")
    var timeout: IngestTimeout?

    func run() throws {
        let deployment = try Deployment.load(dataDirectory: data.path)
        let listing = try CaptureSource.files(at: path)
        for skipped in listing.skipped { printError("skipping \(skipped): not a pcap or pcapng file") }
        guard !listing.captures.isEmpty else {
            printError("no capture files in \(path)")
            throw ExitCode(2)
        }
        if try !Self.ingest(listing.captures, into: deployment, progress: !quiet, timeout: timeout) {
            throw ExitCode(1)
        }
    }

    /// Sends `paths` as the deployment's sensor and prints each capture's
    /// totals; false when some capture did not complete.
    static func ingest(_ paths: [String], into deployment: Deployment, progress: Bool,
                       timeout: IngestTimeout? = nil) throws -> Bool {
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
        let deadline = timeout.map { ContinuousClock.now + $0.duration }
        let ingest = FileIngest(options: options, link: link) { deadline.map { ContinuousClock.now >= $0 } ?? false }
        let wait = IngestWait(deployment: deployment)
        let bar = ProgressLine(terminal: isatty(STDERR_FILENO) == 1, enabled: progress, wait: wait)
        let results: [FileIngest.CaptureResult]
        do {
            results = try ingest.run(paths: paths) { bar.show($0) }
        } catch {
            bar.finish()
            guard case .stopped = error, let timeout else { throw error }
            printError("netsift ingest: not everything was committed within \(timeout.text): \(wait.explain())")
            throw ExitCode(3)
        }
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

/// `1,234,567 packets (1,200,000 committed)  98.7 MB/s  45%  ETA 0:12` on
/// one refreshed line on a terminal, with why it waits when it does; off a
/// terminal only the waiting reasons, each once, as lines.
final class ProgressLine {
    let terminal: Bool
    let enabled: Bool
    let wait: IngestWait
    private var lastReason: String?

    /// Acknowledgements quiet this long are explained.
    static let explainAfter: Duration = .seconds(3)

    init(terminal: Bool, enabled: Bool, wait: IngestWait) {
        self.terminal = terminal
        self.enabled = enabled
        self.wait = wait
    }

    func show(_ progress: FileIngest.Progress) {
        guard enabled else { return }
        let reason = progress.waiting >= Self.explainAfter ? wait.explain() : nil
        guard terminal else {
            if let reason, reason != lastReason { printError("netsift ingest: waiting: \(reason)") }
            lastReason = reason
            return
        }
        let seconds = Double(progress.elapsed.components.seconds)
            + Double(progress.elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(progress.bytesSent) / seconds : 0
        var line = "\(progress.framesSent) packets (\(progress.framesCommitted) committed)  "
            + "\(String(format: "%.1f", rate / 1e6)) MB/s"
        if progress.totalBytes > 0 {
            let fraction = min(1, Double(progress.bytesSent) / Double(progress.totalBytes))
            line += String(format: "  %3.0f%%", fraction * 100)
            if rate > 0 {
                let left = Int(Double(progress.totalBytes - min(progress.totalBytes, progress.bytesSent)) / rate)
                line += "  ETA \(left / 60):" + String(format: "%02d", left % 60)
            }
        }
        line += "  (\(progress.capturesDone)/\(progress.captures) files)"
        if let reason { line += "  waiting \(progress.waiting.components.seconds) s: \(reason)" }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
    }

    func finish() {
        guard enabled, terminal else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
