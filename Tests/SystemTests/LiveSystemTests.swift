import Foundation
import TestSupport
import Testing

/// Live capture through the real processes: `netsift up --nic` on one end of
/// a veth pair, tcpreplay on the other end, inside its own namespace.
@Suite(.serialized, .enabled(if: NetSiftSystem.available && LiveEnvironment.canReplay, LiveEnvironment.vethMessage))
struct LiveSystemTests {
    /// A 256 MiB capture ring (libpcap's buffer): other test suites share the
    /// two cores, and a debug-built sensor must be able to fall behind for
    /// seconds without the kernel dropping — as an operator sizes it for a
    /// busy host. The overload test keeps the default 32 MiB.
    static let roomyRing = ["NETSIFT_SENSOR_BUFFER_MB": "256"]

    struct LiveCapture {
        var id: Int64
        var packets: Int
        var status: String
        var received: Int?
        var drops: Int
        var kernelDrops: Int?
        var sensorDrops: Int?
    }

    static func liveCaptures(_ system: NetSiftSystem) throws -> [LiveCapture] {
        let db = try system.database()
        return try db.query("""
            SELECT id, packets, status, received_frames,
                   coalesce(kernel_drops, 0) + coalesce(interface_drops, 0) + coalesce(sensor_drops, 0),
                   kernel_drops, sensor_drops
            FROM captures WHERE source LIKE 'interface:%' ORDER BY id
            """).rows.map { row in
            LiveCapture(id: Int64(row[0] ?? "") ?? 0, packets: Int(row[1] ?? "") ?? 0, status: row[2] ?? "",
                        received: (row[3] ?? nil).flatMap { Int($0) }, drops: Int(row[4] ?? "") ?? 0,
                        kernelDrops: (row[5] ?? nil).flatMap { Int($0) }, sensorDrops: (row[6] ?? nil).flatMap { Int($0) })
        }
    }

    /// Waits until the sensor has started its capture (its row exists).
    static func waitForCaptureStart(_ system: NetSiftSystem) throws {
        let start = ContinuousClock.now
        while try liveCaptures(system).isEmpty, ContinuousClock.now - start < .seconds(30) {
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// Ends the current live capture (SIGTERM: the sensor sends its end
    /// marker and final counters) and waits until storage marks it ended.
    static func endLiveCapture(_ system: NetSiftSystem) throws -> LiveCapture {
        let before = try liveCaptures(system).last
        system.signal("sensor", SIGTERM)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let capture = try liveCaptures(system).first(where: { $0.id == before?.id }), capture.status != "running" {
                return capture
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw NetSiftSystem.Failure(description: "the live capture did not end: \(system.log("sensor"))")
    }

    @Test func replayAt20kPpsIsStoredWhole() throws {
        let tag = "L\(getpid() % 100_000)"
        let veth = try VethPair(ip: try #require(LiveEnvironment.ip), sysctl: try #require(LiveEnvironment.sysctl), tag: tag)
        defer { veth.remove() }
        let system = try NetSiftSystem(decoders: 2, upArguments: ["--nic", veth.captureEnd],
                                       environment: Self.roomyRing)
        defer { system.shutdown() }
        let path = system.data + "/replay.pcap"
        try SyntheticCapture.write(to: path, flows: 1_000, packetsPerFlow: 50, seconds: 10)
        let tcpreplay = try #require(LiveEnvironment.tcpreplay)

        // The sensor is up once its capture row exists.
        try Self.waitForCaptureStart(system)
        try veth.inNamespace([tcpreplay, "--pps", "20000", "-i", veth.sendEnd, path])
        let deadline = ContinuousClock.now + .seconds(60)
        while (try Self.liveCaptures(system).last?.packets ?? 0) < 50_000, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let capture = try Self.endLiveCapture(system)
        #expect(capture.packets == 50_000, "\(system.log("sensor"))")
        #expect(capture.status == "complete")
        #expect(capture.kernelDrops == 0 && capture.sensorDrops == 0)
        #expect(capture.received.map { $0 >= 50_000 } == true)

        // The sensor reported its adapters; the API lists them (NETADAPTER).
        let adapters = system.api("/adapters", key: system.adminKey).body["ReturnValue"] as? [String: Any]
        let items = adapters?["Items"] as? [[String: Any]] ?? []
        let captureEnd = items.first { $0["Name"] as? String == veth.captureEnd }
        #expect(captureEnd?["Up"] as? Int == 1, "\(items.map { $0["Name"] ?? "?" })")
        #expect((captureEnd?["MAC"] as? String)?.count == 17)
        let loopback = items.first { $0["Name"] as? String == "lo" }
        #expect(loopback?["Ip4"] as? String == "127.0.0.1")
    }

    /// kill -9 a decoder during a live capture: the supervisor restarts it,
    /// the sensor sends its start marker and what is unacknowledged again,
    /// and no packet is lost (flows open across the restart are split).
    @Test func killingADecoderDuringLiveCaptureLosesNoPacket() throws {
        let tag = "K\(getpid() % 100_000)"
        let veth = try VethPair(ip: try #require(LiveEnvironment.ip), sysctl: try #require(LiveEnvironment.sysctl), tag: tag)
        defer { veth.remove() }
        let system = try NetSiftSystem(decoders: 2, upArguments: ["--nic", veth.captureEnd],
                                       environment: Self.roomyRing)
        defer { system.shutdown() }
        let path = system.data + "/replay.pcap"
        try SyntheticCapture.write(to: path, flows: 1_000, packetsPerFlow: 60, seconds: 10)
        let tcpreplay = try #require(LiveEnvironment.tcpreplay)
        try Self.waitForCaptureStart(system)
        let replay = ThreadBox { () -> String in
            (try? veth.inNamespace([tcpreplay, "--pps", "20000", "-i", veth.sendEnd, path])) ?? "tcpreplay failed"
        }
        Thread.sleep(forTimeInterval: 1.0)
        let victims = system.pids(of: "decoder-1")
        system.signal("decoder-1", SIGKILL)
        let output = replay.value
        let sent = try #require(Self.actualPackets(output), "tcpreplay said: \(output)")
        let deadline = ContinuousClock.now + .seconds(60)
        while (try Self.liveCaptures(system).last?.packets ?? 0) < sent, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let capture = try Self.endLiveCapture(system)
        #expect(!victims.isEmpty && system.pids(of: "decoder-1") != victims, "decoder-1 was restarted")
        #expect(capture.packets == sent, "\(capture) \(system.log("sensor"))")
        #expect(capture.drops == 0)
    }

    @Test func overloadDropsAreCountedNeverSilent() throws {
        let tag = "O\(getpid() % 100_000)"
        let veth = try VethPair(ip: try #require(LiveEnvironment.ip), sysctl: try #require(LiveEnvironment.sysctl), tag: tag)
        defer { veth.remove() }
        let system = try NetSiftSystem(decoders: 1, upArguments: ["--nic", veth.captureEnd])
        defer { system.shutdown() }
        let path = system.data + "/flood.pcap"
        try SyntheticCapture.write(to: path, flows: 2_000, packetsPerFlow: 50, seconds: 10)
        let tcpreplay = try #require(LiveEnvironment.tcpreplay)
        try Self.waitForCaptureStart(system)
        let output = try veth.inNamespace([tcpreplay, "--topspeed", "--loop", "3", "-i", veth.sendEnd, path])
        let sent = try #require(Self.actualPackets(output), "tcpreplay said: \(output)")
        Thread.sleep(forTimeInterval: 3)
        let capture = try Self.endLiveCapture(system)
        print("overload: sent \(sent), stored \(capture.packets), drops \(capture.drops) (kernel \(capture.kernelDrops ?? -1), sensor \(capture.sensorDrops ?? -1))")
        #expect(capture.packets <= sent)
        #expect(capture.packets + capture.drops >= sent, "frames missing without a drop counted")
        #expect(capture.status == "complete")
    }

    /// tcpreplay's "Actual: N packets".
    static func actualPackets(_ output: String) -> Int? {
        guard let range = output.range(of: "Actual: ") else { return nil }
        return Int(output[range.upperBound...].prefix { $0.isNumber })
    }
}
