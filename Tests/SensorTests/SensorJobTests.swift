import Capture
import Configurations
import Foundation
import Logging
import Messaging
@testable import Sensor
import Testing
import Wire

/// Stands in for the sockets: records what the job asks and answers as told.
final class FakeChannel: SensorChannel, @unchecked Sendable {
    let laneCount: Int
    var requests: [ControlMessage.Body] = []
    var captured: [LiveIngest.Options] = []
    var sent: [(paths: [String], options: FileIngest.Options)] = []
    var closed = false
    var requestError: SensorError?
    var captureResult: Result<LiveIngest.Summary, SensorError> = .failure(.stopped)
    var statistics: ControlMessage.CaptureStatistics?
    var framesSent: UInt64 = 0

    init(lanes: Int = 2) { laneCount = lanes }

    func request(_ body: ControlMessage.Body, timeout: Duration) throws(SensorError) -> ControlMessage.Body {
        requests.append(body)
        if let requestError { throw requestError }
        return .done
    }

    func capture(_ options: LiveIngest.Options, shouldStop: @escaping @Sendable () -> Bool,
                 onStatistics: @escaping @Sendable (ControlMessage.CaptureStatistics) -> Void)
        throws(SensorError) -> LiveIngest.Summary {
        captured.append(options)
        if let statistics { onStatistics(statistics) }
        return try captureResult.get()
    }

    func send(_ paths: [String], options: FileIngest.Options, shouldStop: @escaping @Sendable () -> Bool,
              progress: @escaping (FileIngest.Progress) -> Void) throws(SensorError) -> [FileIngest.CaptureResult] {
        sent.append((paths, options))
        progress(FileIngest.Progress(framesSent: framesSent, bytesSent: 0, totalBytes: 0, capturesDone: 1,
                                     captures: paths.count, elapsed: .zero))
        return []
    }

    func close() { closed = true }
}

@Suite struct SensorJobTests {
    static let id = UUID()
    static let adapters = [NetworkInterface(name: "eth9", isUp: true, macAddress: "02:00:00:00:00:09", ipv4: ["10.9.9.9"])]

    static func job(_ source: SensorJob.Source) -> SensorJob {
        SensorJob(sensorID: id, sensorName: "edge", source: source, logger: Logger(label: "test"),
                  adapters: { adapters })
    }

    @Test func aJobWithNothingToReadReportsItsAdaptersAndIdles() {
        let job = Self.job(.nothing)
        let channel = FakeChannel()
        job.stop()
        job.run { channel }
        #expect(job.status.get().state == "idle (no interface or pcap configured)")
        #expect(job.status.get().failure == nil)
        guard case .reportAdapters(let sensorID, let name, let adapters)? = channel.requests.first else {
            Issue.record("no adapter report: \(channel.requests)")
            return
        }
        #expect(sensorID == Self.id && name == "edge")
        #expect(adapters.map(\.name) == ["eth9"] && adapters.first?.ipv4 == ["10.9.9.9"])
        #expect(channel.closed)
    }

    @Test func aLiveCaptureIsAskedAsConfiguredAndItsCountersReachTheStatus() {
        let capture = LiveCaptureOptions(snapLength: 96, promiscuous: false, filter: "udp")
        let job = Self.job(.interface("eth9", capture: capture, frameLimit: 50))
        let channel = FakeChannel()
        let statistics = ControlMessage.CaptureStatistics(captureID: 7, received: 60, kernelDrops: 3, interfaceDrops: 2,
                                                          sensorDrops: 1)
        channel.statistics = statistics
        channel.captureResult = .success(LiveIngest.Summary(
            captureID: 7, frames: 50, statistics: statistics, acknowledged: true, totals: nil))
        job.stop()
        job.run { channel }
        let options = channel.captured.first
        #expect(options?.interface == "eth9" && options?.capture == capture && options?.frameLimit == 50)
        #expect(options?.sensorID == Self.id && options?.sensorName == "edge")
        var expected = SensorJob.Status()
        expected.state = "capture 7 ended"
        expected.frames = 50
        expected.received = 60
        expected.kernelDrops = 3
        expected.interfaceDrops = 2
        expected.sensorDrops = 1
        #expect(job.status.get() == expected)
    }

    @Test func filesAreSentOverEveryLaneAndTheirFramesCounted() throws {
        let path = try temporaryFile("job", [0xD4, 0xC3, 0xB2, 0xA1])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let job = Self.job(.files(path))
        let channel = FakeChannel(lanes: 3)
        channel.framesSent = 12
        job.stop()
        job.run { channel }
        #expect(channel.sent.first?.paths == [path])
        #expect(channel.sent.first?.options.capture.lanes == 3)
        #expect(channel.sent.first?.options.runID == nil, "one file is not a run")
        #expect(job.status.get().state == "files sent")
        #expect(job.status.get().frames == 12)
    }

    @Test func aFailedCaptureIsTheStatusAndTheJobStillWaitsForTheStop() async throws {
        let job = Self.job(.interface("eth9", capture: LiveCaptureOptions(), frameLimit: nil))
        let channel = FakeChannel()
        channel.captureResult = .failure(.storageRefused("no database"))
        let done = Locked(false)
        let thread = Thread {
            job.run { channel }
            done.set(true)
        }
        thread.start()
        try await Task.sleep(for: .milliseconds(500))
        #expect(!done.get(), "run returns only once stopped")
        #expect(job.status.get().state == "failed")
        #expect(job.status.get().failure == "storage refused: no database")
        job.stop()
        let deadline = ContinuousClock.now + .seconds(5)
        while !done.get(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(done.get())
    }

    @Test func aMissingPathFailsTheJob() {
        let job = Self.job(.files("/nonexistent/netsift-\(UUID())"))
        job.stop()
        job.run { FakeChannel() }
        #expect(job.status.get().state == "failed")
        #expect(job.status.get().failure?.contains("no such file or directory") == true)
    }

    @Test func socketsThatDoNotOpenFailTheJobAtOnce() {
        struct NoSockets: Error, CustomStringConvertible { var description: String { "address in use" } }
        let job = Self.job(.nothing)
        job.run { throw NoSockets() }
        #expect(job.status.get().failure == "cannot open sockets: address in use")
    }

    @Test func anUnansweredAdapterReportDoesNotStopTheJob() {
        let job = Self.job(.nothing)
        let channel = FakeChannel()
        channel.requestError = .storageUnreachable(endpoint: "ipc:///x", waited: .seconds(30))
        job.stop()
        job.run { channel }
        #expect(job.status.get().failure == nil)
        #expect(job.status.get().state.hasPrefix("idle"))
    }
}

@Suite struct SensorJobSourceTests {
    @Test func anInterfaceComesBeforeAPcapAndCarriesTheCaptureSettings() {
        var configuration = SensorConfiguration()
        configuration.pcap = "/data/a.pcap"
        #expect(SensorJob.Source(configuration) == .files("/data/a.pcap"))
        configuration.interface = "eth1"
        configuration.bpf = "tcp port 80"
        configuration.snaplen = 128
        configuration.promiscuous = false
        configuration.bufferMB = 8
        configuration.immediate = false
        configuration.count = 1000
        let capture = LiveCaptureOptions(snapLength: 128, promiscuous: false, bufferBytes: 8 << 20, immediate: false,
                                         filter: "tcp port 80")
        #expect(SensorJob.Source(configuration) == .interface("eth1", capture: capture, frameLimit: 1000))
    }

    @Test func defaultsCaptureWithoutALimitOrReadNothing() {
        #expect(SensorJob.Source(SensorConfiguration()) == .nothing)
        var configuration = SensorConfiguration()
        configuration.interface = "lo"
        #expect(SensorJob.Source(configuration) == .interface("lo", capture: LiveCaptureOptions(), frameLimit: nil))
    }

    @Test func endpointsAreTheDecodersLanesAndStoragesSockets() {
        var configuration = SensorConfiguration()
        configuration.decoders = ["ipc:///a", "ipc:///b"]
        let endpoints = SensorLink.Endpoints(configuration)
        #expect(endpoints.decoders == ["ipc:///a", "ipc:///b"])
        #expect(endpoints.storageControl == configuration.controlEndpoint)
        #expect(endpoints.storageAcks == configuration.acksEndpoint)
    }
}
