import Decoder
import Foundation
import Logging
import Messaging
import Sensor
import Storage
import TestSupport
import Wire

/// Storage and decoders as real ZeroMQ servers on threads of this process,
/// over tcp loopback, writing to the suite's real PostgreSQL: the pipeline's
/// logic end to end without process management.
final class InProcessPipeline: @unchecked Sendable {
    let context: MessageContext
    let storage: StorageServer
    var decoders: [DecoderServer]
    let endpoints: SensorLink.Endpoints
    /// Each decoder's PUB of the records it sends storage.
    let events: [String]
    let pcapRoot: String
    private var threads: [Thread] = []
    private let finished = DispatchGroup()

    /// `pcapRoot` belongs with the database: storage checks the segments it
    /// committed. `batchPackets`: the decoders' batch size (small ones make
    /// fragments join their flow through links to earlier batches).
    init(server: PostgresTestServer, decoders count: Int, batchPackets: Int? = nil) throws {
        let conninfo = server.conninfo
        context = try MessageContext()
        pcapRoot = server.dataDirectory.appendingPathComponent("pcap").path
        let ports = try FreePorts.take(3 + 2 * count)
        let logger = Logger(label: "pipeline-test")
        storage = StorageServer(configuration: .init(
            conninfo: conninfo, pcapRoot: pcapRoot, recordsEndpoint: "tcp://127.0.0.1:\(ports[0])",
            controlEndpoint: "tcp://127.0.0.1:\(ports[1])", acksEndpoint: "tcp://127.0.0.1:\(ports[2])"),
            logger: logger)
        decoders = (0 ..< count).map { i in
            var configuration = DecoderServer.Configuration(
                framesEndpoint: "tcp://127.0.0.1:\(ports[3 + i])", recordsEndpoint: "tcp://127.0.0.1:\(ports[0])",
                acksEndpoint: "tcp://127.0.0.1:\(ports[2])", eventsEndpoint: "tcp://127.0.0.1:\(ports[3 + count + i])")
            configuration.resendAfter = .seconds(1)
            if let batchPackets { configuration.limits = .init(packets: batchPackets) }
            return DecoderServer(configuration: configuration, logger: logger)
        }
        events = (0 ..< count).map { "tcp://127.0.0.1:\(ports[3 + count + $0])" }
        endpoints = SensorLink.Endpoints(decoders: (0 ..< count).map { "tcp://127.0.0.1:\(ports[3 + $0])" },
                                         storageControl: "tcp://127.0.0.1:\(ports[1])",
                                         storageAcks: "tcp://127.0.0.1:\(ports[2])")
        start { [storage, context] in try storage.run(context: context) }
        for decoder in decoders { start { [context] in try decoder.run(context: context) } }
    }

    private func start(_ body: @escaping @Sendable () throws -> Void) {
        finished.enter()
        let group = finished
        let thread = Thread {
            do { try body() } catch { print("pipeline thread failed: \(error)") }
            group.leave()
        }
        thread.start()
        threads.append(thread)
    }

    /// Sends files through a fresh sensor link and waits for every acknowledgement.
    func ingest(_ paths: [String], sensorName: String = "test-sensor",
                configure: (inout FileIngest.Options) -> Void = { _ in }) throws -> [FileIngest.CaptureResult] {
        let link = try SensorLink(context: context, endpoints: endpoints)
        defer { link.close() }
        var options = FileIngest.Options(sensorID: UUID(), sensorName: sensorName, lanes: endpoints.decoders.count)
        options.ackTimeout = .seconds(2)
        configure(&options)
        return try FileIngest(options: options, link: link).run(paths: paths)
    }

    func stop() {
        storage.stop()
        for decoder in decoders { decoder.stop() }
        finished.wait()
        context.shutdown()
        context.terminate()
    }
}

/// TCP ports free right now on 127.0.0.1 (the kernel's choice for port 0).
enum FreePorts {
    struct Failure: Error {}

    static func take(_ count: Int) throws -> [Int] {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        var ports: [Int] = []
        for _ in 0 ..< count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure() }
            fds.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw -> Bool in
                    bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
                }
            }
            guard bound else { throw Failure() }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}
