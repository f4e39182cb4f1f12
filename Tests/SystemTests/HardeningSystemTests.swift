import Capture
import Foundation
import TestSupport
import Testing

/// The hardening issue's findings, each against the real processes.
@Suite(.serialized, .enabled(if: NetSiftSystem.available, NetSiftSystem.skipMessage))
struct HardeningSystemTests {
    static func value(_ answer: (status: Int, body: [String: Any])) -> [String: Any] {
        answer.body["ReturnValue"] as? [String: Any] ?? [:]
    }

    /// 3,000 packets one day apart (8 years, some out of order): every read
    /// route answers with the right counts, later ingests still work, and
    /// the packet runs have a partition per year, not per day.
    @Test func aCaptureSpanningYearsKeepsEveryReadRouteWorking() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        let key = system.adminKey
        let path = system.data + "/years.pcap"
        try SyntheticCapture.writeSpanningDays(to: path, days: 3_000)
        let ingested = system.ingest(path)
        let capture = try #require(NetSiftSystem.captures(in: ingested.stdout).first, "\(ingested.stderr)")
        #expect(ingested.status == 0 && capture.status == "complete", "\(ingested.stdout) \(ingested.stderr)")

        let meta = system.api("/captures/\(capture.id)/meta", key: key)
        #expect(meta.status == 200 && Self.value(meta)["TotalPackets"] as? Int == 3_000, "\(meta)")
        let connections = Self.value(meta)["TotalConnections"] as? Int ?? -1

        var frames: [Int] = []
        var after = 0
        while frames.count < 3_000 {
            let page = system.api("/captures/\(capture.id)/packets?after=\(after)&limit=1000", key: key)
            let packets = Self.value(page)["Packets"] as? [[String: Any]] ?? []
            guard page.status == 200, !packets.isEmpty else {
                Issue.record("packets after \(after): \(page.status) \(page.body)")
                break
            }
            frames += packets.compactMap { $0["Id"] as? Int }
            after = Self.value(page)["LastPacketId"] as? Int ?? after
        }
        #expect(frames == Array(1 ... 3_000))

        var flows = 0
        var afterFlow = 0
        while true {
            let page = system.api("/captures/\(capture.id)/flows?after=\(afterFlow)&limit=1000", key: key)
            let items = Self.value(page)["Items"] as? [[String: Any]] ?? []
            guard page.status == 200 else { Issue.record("flows: \(page.status) \(page.body)"); break }
            if items.isEmpty { break }
            flows += items.count
            afterFlow = items.compactMap { $0["Id"] as? Int }.max() ?? afterFlow
        }
        #expect(flows == connections && flows >= 20, "\(flows) flows listed, meta says \(connections)")
        let everyFlow = system.api("/flows?limit=1000", key: key)
        #expect(everyFlow.status == 200 && (Self.value(everyFlow)["Items"] as? [Any])?.count == min(1_000, flows))

        // Pair 3 sent every twentieth packet: 150 over the eight years.
        let found = system.api("/search?q=ip.addr%20%3D%3D%2010.9.3.1&as=packets&limit=1000", key: key)
        let results = Self.value(found)["Results"] as? [String: [[String: Any]]] ?? [:]
        #expect(found.status == 200 && results.values.map(\.count).reduce(0, +) == 150, "\(found.status) \(found.body)")
        let asFlows = system.api("/search?q=udp.port%20%3D%3D%205000&as=flows&limit=1000", key: key)
        #expect(asFlows.status == 200 && (Self.value(asFlows)["Items"] as? [Any])?.count == min(1_000, flows))
        let windowed = system.api("/search?q=udp&start=2012-01-01T00:00:00Z&end=2013-01-01T00:00:00Z&limit=1000", key: key)
        let inWindow = (Self.value(windowed)["Results"] as? [String: [[String: Any]]] ?? [:]).values.map(\.count).reduce(0, +)
        #expect(windowed.status == 200 && inWindow == 366, "2012: \(inWindow) packets, \(windowed.status)")
        #expect(system.api("/stats", key: key).status == 200)

        let file = system.data + "/years-download.pcap"
        #expect(system.download("/captures/\(capture.id)/pcap", key: key, to: file) == 200)
        #expect(try TrafficAPISystemTests.frames(file) == TrafficAPISystemTests.frames(path))
        let firstFlow = system.api("/captures/\(capture.id)/flows?limit=1", key: key)
        if let id = (Self.value(firstFlow)["Items"] as? [[String: Any]])?.first?["Id"] as? Int {
            #expect(system.download("/flows/\(id)/pcap", key: key, to: file) == 200)
            #expect(try TrafficAPISystemTests.frames(file).count == 1)
        } else {
            Issue.record("no flow: \(firstFlow)")
        }

        // A later ingest still works.
        let later = system.data + "/later.pcap"
        try SyntheticCapture.write(to: later, flows: 50, packetsPerFlow: 10, seconds: 5)
        let second = system.ingest(later)
        let secondCapture = NetSiftSystem.captures(in: second.stdout).first
        #expect(second.status == 0 && secondCapture?.status == "complete", "\(second.stdout) \(second.stderr)")
        let secondMeta = system.api("/captures/\(secondCapture?.id ?? 0)/meta", key: key)
        #expect(Self.value(secondMeta)["TotalPackets"] as? Int == 500)

        let partitions = try system.database().query("""
            SELECT count(*) FROM pg_inherits WHERE inhparent = 'packet_runs'::regclass
            """).scalar.flatMap { Int($0) } ?? -1
        #expect(partitions > 0 && partitions <= 12, "\(partitions) packet run partitions for 9 calendar years")
    }

    /// Runs a program (no shell): exit status and both outputs.
    static func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        (try? LiveEnvironment.outcome(executable, arguments)) ?? (-1, "cannot run \(executable)")
    }

    /// Connects to a Unix socket as `user` (python3, no shell): "ok" or the error's name.
    static func connectAs(_ user: String?, _ path: String) -> String {
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(sys.argv[1]); print("ok")
            except OSError as e:
                print(type(e).__name__)
            """
        let python = ["python3", "-c", script, path]
        let answer = user.map { run("/usr/sbin/runuser", ["-u", $0, "--"] + python) } ?? run("/usr/bin/env", python)
        return answer.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1
    }

    /// Another local user (nobody) reaches neither PostgreSQL nor any
    /// ZeroMQ endpoint nor the data; the deployment's own user reaches the
    /// database only as the application role, which cannot run programs.
    @Test func aLocalUserReachesNothingOfTheDeployment() throws {
        let system = try NetSiftSystem(decoders: 1)
        defer { system.shutdown() }
        let key = system.adminKey
        let path = system.data + "/small.pcap"
        try SyntheticCapture.write(to: path, flows: 20, packetsPerFlow: 10, seconds: 2)
        #expect(system.ingest(path).status == 0)
        #expect(system.api("/hunts?name=kept&q=tcp", key: key, method: "POST").status == 200)

        // PostgreSQL: the socket's directory is closed to others; no superuser for anyone but its server.
        let conninfo = try system.conninfo
        let nobody = Self.run("/usr/sbin/runuser", ["-u", "nobody", "--", "psql", conninfo, "-XAtc", "SELECT 1"])
        #expect(nobody.status != 0 && nobody.output.contains("Permission denied"), "\(nobody)")
        var superuser = conninfo.replacingOccurrences(of: "user=netsift", with: "user=postgres")
        superuser = superuser.replacingOccurrences(of: "dbname=netsift", with: "dbname=postgres")
        let asPostgres = Self.run("/usr/bin/psql", [superuser, "-XAtc", "SELECT 1"])
        #expect(asPostgres.status != 0 && asPostgres.output.contains("authentication failed"), "\(asPostgres)")
        let program = Self.run("/usr/bin/psql", [conninfo, "-XAtc", "COPY (SELECT 1) TO PROGRAM 'true'"])
        #expect(program.status != 0 && program.output.contains("must be superuser"), "\(program)")
        #expect(Self.run("/usr/bin/psql", [conninfo, "-XAtc", "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"])
                .output.trimmingCharacters(in: .whitespacesAndNewlines) == "f")

        // ZeroMQ: every endpoint is a Unix socket in a 0700 directory.
        for name in ["storage", "decoder-1", "search", "gateway"] {
            let data = try Data(contentsOf: URL(fileURLWithPath: system.data + "/config/\(name).json"))
            let settings = try JSONSerialization.jsonObject(with: data) as? [String: String] ?? [:]
            let endpoints = settings.filter { $0.key.hasSuffix("endpoint") }
            #expect(endpoints.count >= 1 && endpoints.values.allSatisfy { $0.hasPrefix("ipc://\(system.data)/run/") },
                    "\(name): \(endpoints)")
        }
        let sockets = try FileManager.default.contentsOfDirectory(atPath: system.data + "/run")
        #expect(sockets.count >= 7, "\(sockets)")
        #expect(Self.mode(system.data + "/run") == 0o700)
        for socket in sockets {
            let endpoint = system.data + "/run/" + socket
            #expect(Self.connectAs(nil, endpoint) == "ok", "\(socket): the deployment's own user connects")
            #expect(Self.connectAs("nobody", endpoint) == "PermissionError", "\(socket): nobody must not connect")
        }
        // Nothing changed for the attempts: the hunt is there, no capture appeared.
        let hunts = Self.value(system.api("/hunts", key: key))["Items"] as? [[String: Any]] ?? []
        #expect(hunts.map { $0["Name"] as? String } == ["kept"])
        let captures = Self.value(system.api("/captures", key: key))["Items"] as? [[String: Any]] ?? []
        #expect(captures.count == 1)

        // Data: the directory and what the services wrote are the user's alone.
        #expect(Self.mode(system.data) == 0o700)
        #expect(Self.mode(system.data + "/admin.key") == 0o600)
        let pcap = system.data + "/pcap"
        let files = FileManager.default.enumerator(atPath: pcap)?.allObjects as? [String] ?? []
        #expect(!files.isEmpty)
        for file in files {
            let mode = Self.mode(pcap + "/" + file)
            #expect(mode & 0o077 == 0, "\(file): mode \(String(mode, radix: 8))")
        }
        #expect(Self.run("/usr/sbin/runuser", ["-u", "nobody", "--", "ls", pcap]).status != 0)
    }

    /// A second deployment on the first one's ports, or on its data
    /// directory, is refused at once, naming the holder; the first goes on.
    /// An API port inside the reserved range is refused before anything starts.
    @Test func deploymentsDoNotCrossWire() throws {
        let system = try NetSiftSystem(decoders: 1)
        defer { system.shutdown() }
        let other = system.data + "-other"
        defer { try? FileManager.default.removeItem(atPath: other) }
        let started = ContinuousClock.now
        let samePorts = system.run(["up", "--data", other, "--decoders", "1", "--base-port", "\(system.basePort)",
                                    "--port", "\(system.httpPort)"])
        #expect(samePorts.status != 0 && samePorts.stderr.contains("in use by pid"), "\(samePorts.stderr)")
        #expect(ContinuousClock.now - started < .seconds(20))
        // The refused deployment's status does not take the first one's services for its own.
        let foreign = system.run(["status", "--data", other])
        #expect(foreign.status == 1 && foreign.stdout.contains("another deployment's"), "\(foreign.stdout)")
        let sameData = system.run(["up", "--data", system.data])
        #expect(sameData.status != 0 && sameData.stderr.contains("already up"), "\(sameData.stderr)")
        let overlap = system.run(["up", "--data", other + "2", "--base-port", "30000", "--port", "30004"])
        #expect(overlap.status != 0 && overlap.stderr.contains("inside the ports"), "\(overlap.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other + "2"))
        // The first deployment is untouched.
        #expect(system.run(["status", "--data", system.data]).status == 0)
        #expect(system.api("/captures", key: system.adminKey).status == 200)
    }

    /// kill -9 of `netsift up`: every service and PostgreSQL goes with it.
    @Test func killingUpLeavesNoProcessBehind() throws {
        let system = try NetSiftSystem(decoders: 2)
        defer { system.shutdown() }
        let postmaster = try system.postmasterPID()
        let services = ["storage", "decoder-1", "decoder-2", "search", "gateway"].flatMap { system.pids(of: $0) }
        #expect(services.count == 5, "\(services)")
        kill(system.up.processIdentifier, SIGKILL)
        let everyone = services + [postmaster]
        let deadline = ContinuousClock.now + .seconds(30)
        func alive() -> [Int32] {
            everyone.filter { pid in
                // A zombie is gone already (only its parent's wait remains).
                let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
                return !stat.isEmpty && stat.split(separator: ")").last?.split(separator: " ").first != "Z"
            }
        }
        while !alive().isEmpty, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.2) }
        #expect(alive().isEmpty, "still running after up was killed: \(alive())")
        let down = system.run(["down", "--data", system.data])
        #expect(down.status == 0 && down.stdout.contains("not up"), "\(down)")
    }

    /// An ingest that cannot finish says why while it waits and gives up at
    /// its --timeout (exit 3); its capture, whose producer is then gone, is
    /// marked abandoned and no longer counts as running.
    @Test func aStuckIngestSaysWhyAndItsCaptureIsAbandoned() throws {
        let system = try NetSiftSystem(decoders: 1, environment: ["NETSIFT_STORAGE_ABANDON_AFTER_SECONDS": "3"])
        defer { system.shutdown() }
        let path = system.data + "/stuck.pcap"
        try SyntheticCapture.write(to: path)
        system.signal("decoder-1", SIGSTOP)
        let started = ContinuousClock.now
        let stuck = system.run(["ingest", path, "--data", system.data, "--timeout", "8s"])
        system.signal("decoder-1", SIGCONT)
        #expect(stuck.status == 3, "\(stuck)")
        #expect(stuck.stderr.contains("netsift ingest: waiting: decoder-1 is not answering"), "said while waiting: \(stuck)")
        #expect(stuck.stderr.contains("not everything was committed within 8s: decoder-1 is not answering"), "\(stuck)")
        #expect(ContinuousClock.now - started < .seconds(40))

        let deadline = ContinuousClock.now + .seconds(60)
        var status = ""
        while ContinuousClock.now < deadline {
            let captures = Self.value(system.api("/captures", key: system.adminKey))["Items"] as? [[String: Any]] ?? []
            status = captures.first?["Status"] as? String ?? ""
            if status == "abandoned" { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(status == "abandoned")
        #expect(Self.value(system.api("/stats", key: system.adminKey))["Captures"] as? Int == 0)
        #expect(system.log("storage").contains("captures abandoned"))
    }

    /// A small tmpfs for a disk to fill; unmounted by `unmount`.
    static func mountTmpfs(_ name: String, megabytes: Int) throws -> String {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("netsift-\(name)-\(getpid())").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let mounted = run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", mount])
        try #require(mounted.status == 0, "\(mounted.output)")
        return mount
    }

    static func unmount(_ mount: String) {
        _ = run("/usr/bin/umount", ["-l", mount])
        try? FileManager.default.removeItem(atPath: mount)
    }

    /// Fills the file system of `directory` but `leaving` bytes: the filler's path.
    static func fill(_ directory: String, leaving: Int) throws -> String {
        var space = statvfs()
        try #require(statvfs(directory, &space) == 0)
        let free = Int(space.f_bavail) * Int(space.f_frsize)
        let filler = directory + "/filler"
        try Data(count: max(0, free - leaving)).write(to: URL(fileURLWithPath: filler))
        return filler
    }

    /// Ingests `path` (progress on, so waiting reasons are printed) while
    /// `whileRunning` runs: exit status, stdout, stderr.
    static func ingest(_ system: NetSiftSystem, _ path: String,
                       whileRunning: (Process) throws -> Void) throws -> (status: Int32, output: String, said: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: NetSiftSystem.netsift)
        process.arguments = ["ingest", path, "--data", system.data, "--timeout", "240s"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = ThreadBox { String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        try whileRunning(process)
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output, errors.value)
    }

    /// Waits until the service's log holds `text` (or the ingest ended).
    static func waitForLog(_ system: NetSiftSystem, _ service: String, _ text: String, while process: Process) {
        let deadline = ContinuousClock.now + .seconds(120)
        while !system.log(service).contains(text), process.isRunning, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// The pcap store's disk fills mid-ingest (a small tmpfs): storage says
    /// so, the ingest says why it waits, and it completes, whole, once space
    /// returns.
    @Test func aFullPcapDiskIsNamedAndTheIngestCompletesWhenSpaceReturns() throws {
        let mount = try Self.mountTmpfs("pcap-full", megabytes: 8)
        defer { Self.unmount(mount) }
        let system = try NetSiftSystem(decoders: 1, environment: ["NETSIFT_STORAGE_PCAP_ROOT": mount + "/pcap"])
        defer { system.shutdown() }
        let path = system.data + "/big.pcap"
        try SyntheticCapture.write(to: path, flows: 300, packetsPerFlow: 40, seconds: 20)
        // Leave 1 MiB: the capture's ~6 MB cannot fit until the filler goes.
        let filler = try Self.fill(mount, leaving: 1 << 20)
        let ingest = try Self.ingest(system, path) { process in
            Self.waitForLog(system, "storage", "disk is full", while: process)
            #expect(system.log("storage").contains("the pcap store's disk is full"), "\(system.log("storage"))")
            Thread.sleep(forTimeInterval: 6)   // long enough for the ingest to notice and say why
            try FileManager.default.removeItem(atPath: filler)
        }
        #expect(ingest.status == 0, "\(ingest)")
        #expect(ingest.said.contains("netsift ingest: waiting: disk full"), "\(ingest.said)")
        let capture = try #require(NetSiftSystem.captures(in: ingest.output).first, "\(ingest.output)")
        let stored = try StoredCapture.load(capture.id, from: try system.database(), pcapRoot: mount + "/pcap")
        #expect(stored.packets == 12_000 && stored.distinctFrames == 12_000 && stored.status == "complete", "\(stored)")
    }

    /// The database's disk fills mid-ingest (its cluster on a small tmpfs):
    /// no batch is refused for it, the ingest says why it waits, and it
    /// completes, whole, once space returns.
    @Test func aFullDatabaseDiskIsNamedAndTheIngestCompletesWhenSpaceReturns() throws {
        let mount = try Self.mountTmpfs("pg-full", megabytes: 400)
        defer { Self.unmount(mount) }
        // ops/pg keeps a root-run cluster under NETSIFT_PG_ROOT (the test's own calls too).
        setenv("NETSIFT_PG_ROOT", mount, 1)
        defer { unsetenv("NETSIFT_PG_ROOT") }
        let system = try NetSiftSystem(decoders: 1)
        defer { system.shutdown() }
        let path = system.data + "/big.pcap"
        // Many flows: their rows (not the packets, which the packet index
        // holds) are what fills the database's disk.
        try SyntheticCapture.write(to: path, flows: 20_000, packetsPerFlow: 4, seconds: 20)
        let filler = try Self.fill(mount, leaving: 4 << 20)
        let ingest = try Self.ingest(system, path) { process in
            Self.waitForLog(system, "storage", "disk is full", while: process)
            #expect(system.log("storage").contains("the database's disk is full"), "\(system.log("storage"))")
            Thread.sleep(forTimeInterval: 6)
            try FileManager.default.removeItem(atPath: filler)
        }
        #expect(ingest.status == 0, "\(ingest)")
        #expect(ingest.said.contains("netsift ingest: waiting: "), "\(ingest.said)")
        #expect(!system.log("storage").contains("refusing a batch"))
        let capture = try #require(NetSiftSystem.captures(in: ingest.output).first, "\(ingest.output)")
        let stored = try StoredCapture.load(capture.id, from: try system.database(), pcapRoot: system.pcapRoot)
        #expect(stored.packets == 80_000 && stored.distinctFrames == 80_000 && stored.status == "complete", "\(stored)")
    }
}
