import ArgumentParser
import Capture
import Foundation
import Messaging
import Operations
import PostgresClient
import ServiceRuntime
import Wire

struct UpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start PostgreSQL and every service for a data directory, and supervise them.",
        discussion: """
            Runs in the foreground until Ctrl-C or `netsift down`. A service that exits is restarted. \
            Nothing is installed: missing pieces are named. Config files are written to DATA/config once \
            and may be edited; environment variables NETSIFT_<SERVICE>_<KEY> override them.
            """)

    @OptionGroup var data: DataOption

    @Option(help: "A capture file or directory to ingest once the services are up.")
    var pcap: String?

    @Option(help: "Capture live from this network interface (netsift-sensor runs as a supervised service).")
    var nic: String?

    @Option(help: "A BPF filter for --nic.")
    var bpf: String?

    @Option(help: "Decoder processes (only when the data directory is new).")
    var decoders: Int = 2

    @Option(help: "First TCP port on 127.0.0.1 the services' metrics use (only when the data directory is new).")
    var basePort: Int = 47_300

    @Option(help: "The API's HTTP port (only when the data directory is new).")
    var port: Int = 8080

    func validate() throws {
        if decoders < 1 || decoders > 16 { throw ValidationError("--decoders must be 1 to 16") }
        if basePort < 1024 || basePort > 65_000 { throw ValidationError("--base-port must be 1024 to 65000") }
        if port < 1 || port > 65_535 { throw ValidationError("--port must be 1 to 65535") }
        let planned = Deployment(dataDirectory: "", basePort: basePort, decoders: decoders, httpPort: port)
        if let overlap = planned.portOverlap { throw ValidationError(overlap) }
    }

    func run() throws {
        let directory = data.path
        // What the deployment writes is its user's alone (DESIGN: a deployment is private on its host).
        umask(0o077)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        chmod(directory, 0o700)
        let lock = try DataDirectoryLock(dataDirectory: directory)
        defer { withExtendedLifetime(lock) {} }

        let deployment: Deployment
        if FileManager.default.fileExists(atPath: Deployment.file(in: directory)) {
            deployment = try Deployment.load(dataDirectory: directory)
            try deployment.save()   // keeps an id given to a file that had none
        } else {
            deployment = Deployment(dataDirectory: directory, basePort: basePort, decoders: decoders, httpPort: port)
            try deployment.save()
        }
        if let overlap = deployment.portOverlap {
            printError("netsift up: \(overlap) (\(deployment.file))")
            throw ExitCode(1)
        }
        let busy = PortCheck.busy(deployment.listeningPorts)
        guard busy.isEmpty else {
            printError("netsift up: nothing started: " + busy.joined(separator: "; "))
            throw ExitCode(1)
        }
        try deployment.prepareSocketDirectory()
        var children: [Supervisor.Child] = []
        let storage = try ProjectFiles.serviceExecutable("netsift-storage")
        let decoder = try ProjectFiles.serviceExecutable("netsift-decoder")

        let supervisor = Supervisor(note: note)
        let stop = Locked(false)
        let signals = SignalWatch(signals: [SIGINT, SIGTERM]) { stop.set(true) }
        defer { signals.cancel() }
        defer {
            note("stopping services and PostgreSQL")
            supervisor.stop()
        }
        // PostgreSQL is a supervised child like the services: restarted when
        // it dies, stopped last, and stopped with `up` however `up` ends.
        let postgres = try LocalPostgres(dataDirectory: directory)
        try FileManager.default.createDirectory(atPath: deployment.logDirectory, withIntermediateDirectories: true)
        note("starting PostgreSQL")
        try supervisor.start(.init(name: "postgres", executable: postgres.script, arguments: ["run", directory],
                                   logFile: deployment.logFile("postgres"), stopSignal: SIGINT))
        let conninfo = try Self.waitForDatabase(postgres, supervisor: supervisor, stop: stop,
                                                log: deployment.logFile("postgres"))
        let identity = try SensorIdentityFile.loadOrCreate(path: deployment.sensorIdentityFile,
                                                           defaultName: SensorIdentityFile.hostName)
        try deployment.writeConfigs(conninfo: conninfo, sensorName: identity.name)
        // Before any service: the schema is migrated here, and the key exists
        // by the time the gateway answers.
        if let adminKey = try KeysCommand.createAdminKeyIfMissing(directory) {
            say("Admin API key (shown once; also in \(directory)/admin.key, mode 0600): \(adminKey.text)")
        }
        children.append(.init(name: "storage", executable: storage,
                              arguments: ["--config", deployment.configFile("storage")],
                              logFile: deployment.logFile("storage")))
        for i in 0 ..< deployment.decoders {
            let name = "decoder-\(i + 1)"
            children.append(.init(name: name, executable: decoder, arguments: ["--config", deployment.configFile(name)],
                                  logFile: deployment.logFile(name)))
        }

        children.append(.init(name: "search", executable: try ProjectFiles.serviceExecutable("netsift-search"),
                              arguments: ["--config", deployment.configFile("search")],
                              logFile: deployment.logFile("search")))
        children.append(.init(name: "gateway", executable: try ProjectFiles.serviceExecutable("netsift-gateway"),
                              arguments: ["--config", deployment.configFile("gateway")],
                              logFile: deployment.logFile("gateway")))
        if let nic {
            var arguments = ["--config", deployment.configFile("sensor"), "--interface", nic]
            if let bpf { arguments += ["--bpf", bpf] }
            children.append(.init(name: "sensor", executable: try ProjectFiles.serviceExecutable("netsift-sensor"),
                                  arguments: arguments, logFile: deployment.logFile("sensor")))
        }
        for child in children { try supervisor.start(child) }

        let health = HealthWatch(deployment: deployment, sensor: nic != nil)
        let deadline = ContinuousClock.now + .seconds(90)
        while !health.allOK(), ContinuousClock.now < deadline, !stop.get() {
            supervisor.check()
            Thread.sleep(forTimeInterval: 0.2)
        }
        if !health.allOK() {
            printError("services are not healthy after 90 s:\n" + health.report() + "\nlogs: \(deployment.logDirectory)")
        } else {
            say("NetSift is up. Data: \(directory)  Logs: \(deployment.logDirectory)")
            say("  API:     \(deployment.apiURL)   (key: \(directory)/admin.key)")
            say("  try:     curl -u \"$(cat \(directory)/admin.key):\" \(deployment.apiURL)/captures")
            say("  ingest:  netsift ingest FILE --data \(directory)")
            say("  status:  netsift status --data \(directory)")
            say("  stop:    Ctrl-C, or netsift down --data \(directory)")
        }

        if let pcap, !stop.get() {
            let listing = try CaptureSource.files(at: pcap)
            if !listing.captures.isEmpty {
                _ = try IngestCommand.ingest(listing.captures, into: deployment, progress: true)
            }
        }
        while !stop.get() {
            supervisor.check()
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// The conninfo once the supervised server (not `ops/pg run`'s
    /// short-lived setup server) accepts connections.
    static func waitForDatabase(_ postgres: LocalPostgres, supervisor: Supervisor, stop: Locked<Bool>,
                                log: String) throws -> String {
        let deadline = ContinuousClock.now + .seconds(60)
        var lastError = "not started"
        while ContinuousClock.now < deadline, !stop.get() {
            supervisor.check()
            if let pid = supervisor.pid(of: "postgres"),
               (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("postgres") == true {
                do {
                    let conninfo = try postgres.conninfo()
                    _ = try PostgresConnection(conninfo: conninfo)
                    return conninfo
                } catch {
                    lastError = "\(error)"
                }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw OperationsError.failed(what: "start PostgreSQL", reason: "\(lastError) (log: \(log))")
    }

    private func note(_ text: String) {
        printError("netsift up: \(text)")
    }
}

/// Runs `handler` when one of `signals` arrives (they no longer kill the process).
final class SignalWatch {
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
