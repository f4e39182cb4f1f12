import Events
import ArgumentParser
import Dump
import Foundation
import Protocols

struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Decode a capture file or a directory of them to standard output.")

    @Argument(help: "A pcap/pcapng file, or a directory read file by file in name order.")
    var path: String

    @Flag(help: "One JSON object per packet, per flow report and per application transaction (ECS field names).")
    var json = false

    @Flag(name: .customLong("no-l7"),
          help: ArgumentHelp("Skip the application layer (\(Dataset.names) transactions), for speed."))
    var noL7 = false

    @Option(name: .customLong("l7-option"),
            help: ArgumentHelp("A Packetbeat protocol option, protocol.key=value (repeatable), e.g. dns.send_request=true, "
                               + "http.transaction_timeout=2s, tls.tags=edge,lab. Protocols: \(Dataset.names). Keys: "
                               + ProtocolOptionSetting.keys.joined(separator: ", ") + ".", valueName: "setting"))
    var l7Options: [String] = []

    @Flag(help: "Decode without printing (for benchmarks); the summary still goes to standard error.")
    var quiet = false

    @Option(help: "A BPF filter expression; frames keep their numbers in the file.")
    var bpf: String?

    @Option(help: "Stop after this many packets.")
    var count: Int?

    @Option(help: "Flow timeout in seconds (Packetbeat `timeout`).")
    var flowTimeout: Double = 30

    @Option(help: "Flow report period in seconds; -1 disables periodic reports (Packetbeat `period`).")
    var flowPeriod: Double = 10

    @Option(help: "Most flows held at once; the least recently seen are evicted beyond it.")
    var maxFlows: Int = 262_144

    @Option(help: "Community ID seed.")
    var communityIdSeed: UInt16 = 0

    @Flag(help: "Community ID as hex instead of base64.")
    var communityIdHex = false

    @Flag(help: "Print per-capture totals to standard error at the end.")
    var stats = false

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if flowTimeout <= 0 { throw ValidationError("--flow-timeout must be positive") }
        if flowPeriod <= 0 && flowPeriod != -1 { throw ValidationError("--flow-period must be positive or -1") }
        if maxFlows < 1 { throw ValidationError("--max-flows must be at least 1") }
    }

    func run() throws {
        var options = DumpOptions()
        options.format = quiet ? .none : (json ? .json : .text)
        options.filter = bpf
        options.count = count
        options.decoder.flows.timeout = Int64(flowTimeout * 1e9)
        options.decoder.flows.period = flowPeriod == -1 ? nil : Int64(flowPeriod * 1e9)
        options.decoder.flows.maxFlows = maxFlows
        options.decoder.flows.communityID = .init(seed: communityIdSeed, base64: !communityIdHex)
        var application = ApplicationConfig()
        for setting in l7Options {
            do throws(ProtocolOptionSetting.Invalid) {
                try ProtocolOptionSetting(setting).apply(to: &application)
            } catch {
                throw ValidationError("--l7-option: \(error)")
            }
        }
        options.decoder.application = noL7 ? nil : application
        var output = Output()
        let summary: DumpSummary
        do {
            summary = try Dump.run(path: path, options: options, output: &output)
        } catch {
            FileHandle.standardError.write(Data("netsift dump: \(error)\n".utf8))
            throw ExitCode(2)
        }
        output.flush()
        if stats || quiet {
            for c in summary.captures {
                let s = c.stats
                FileHandle.standardError.write(Data(("\(c.path): frames \(s.frames) bytes \(s.capturedBytes) "
                    + "ipv4 \(s.ipv4) ipv6 \(s.ipv6) tcp \(s.tcp) udp \(s.udp) icmp \(s.icmp) "
                    + "flows \(c.flows.created) evicted \(c.flows.evicted) anomalous_frames \(s.framesWithAnomalies)"
                    + (c.application.map { a in
                        " l7_flows \(a.flows) l7_transactions \(a.transactions) l7_evicted \(a.evictedForFlows + a.evictedForBytes)"
                    } ?? "") + "\n").utf8))
            }
        }
        for failure in summary.failures {
            FileHandle.standardError.write(Data("netsift dump: \(failure)\n".utf8))
        }
        if !summary.failures.isEmpty { throw ExitCode(1) }
    }
}
