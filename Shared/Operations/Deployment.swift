import Configurations
import Foundation

/// A local NetSift installation rooted at a data directory: where each
/// service listens, where its config file and log are, and how many
/// decoders run. Written once to `DATA/netsift.json` by `netsift up`, read
/// by every later command (`ingest`, `status`), so they find the same
/// endpoints.
public struct Deployment: Codable, Hashable, Sendable {
    public var dataDirectory: String
    /// First of the TCP ports on 127.0.0.1 the services' metrics and health
    /// endpoints use (see `port(_:)`).
    public var basePort: Int
    public var decoders: Int
    /// The API's HTTP port (gateway).
    public var httpPort: Int
    /// Names this deployment in every service's health answer, so `status`
    /// and `up` never take another deployment's service on a port for theirs.
    public var id: String

    public init(dataDirectory: String, basePort: Int = 47_300, decoders: Int = 2, httpPort: Int = 8080,
                id: String = UUID().uuidString.lowercased()) {
        self.dataDirectory = dataDirectory
        self.basePort = basePort
        self.decoders = max(1, decoders)
        self.httpPort = httpPort
        self.id = id
    }

    enum CodingKeys: String, CodingKey {
        case dataDirectory = "data_directory", basePort = "base_port", decoders, httpPort = "http_port", id
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataDirectory = try container.decode(String.self, forKey: .dataDirectory)
        basePort = try container.decode(Int.self, forKey: .basePort)
        decoders = try container.decode(Int.self, forKey: .decoders)
        httpPort = try container.decodeIfPresent(Int.self, forKey: .httpPort) ?? 8080
        // Deployments made before ids existed get one (saved by the next `up`).
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? UUID().uuidString.lowercased()
    }

    /// The API's base URL.
    public var apiURL: String { "http://127.0.0.1:\(httpPort)/api/v1" }

    /// Each metrics and health endpoint's offset from `basePort` (the gaps
    /// were ZeroMQ ports before those moved to Unix sockets).
    public enum Port: Sendable {
        case storageMetrics, searchMetrics, sensorMetrics, decoderMetrics(Int)

        var offset: Int {
            switch self {
            case .storageMetrics: 3
            case .sensorMetrics: 4
            case .searchMetrics: 6
            case .decoderMetrics(let i): 12 + 3 * i
            }
        }
    }

    /// The ZeroMQ sockets between services.
    public enum Socket: Sendable {
        case storageRecords, storageControl, storageAcks, storageReads, search
        case decoderFrames(Int), decoderEvents(Int)

        /// Its name in `socketDirectory`.
        var name: String {
            switch self {
            case .storageRecords: "storage-records"
            case .storageControl: "storage-control"
            case .storageAcks: "storage-acks"
            case .storageReads: "storage-reads"
            case .search: "search"
            case .decoderFrames(let i): "decoder-\(i + 1)-frames"
            case .decoderEvents(let i): "decoder-\(i + 1)-events"
            }
        }

        static let longestName = "/decoder-16-events".utf8.count
    }

    public func port(_ port: Port) -> Int { basePort + port.offset }

    /// The ports `basePort` reserves (metrics, and the gaps between them).
    public var reservedPorts: ClosedRange<Int> { basePort ... port(.decoderMetrics(decoders - 1)) }

    /// Why the ports cannot work together (the API's inside the reserved
    /// range: a service would take it and the gateway would never start).
    public var portOverlap: String? {
        reservedPorts.contains(httpPort)
            ? "the API port \(httpPort) lies inside the ports \(reservedPorts.lowerBound)-\(reservedPorts.upperBound) "
                + "that base port \(basePort) reserves for \(decoders) decoder(s); choose another --port or --base-port"
            : nil
    }

    /// The TCP ports the deployment listens on: each metrics endpoint's and the API's.
    public var listeningPorts: [(name: String, port: Int)] {
        [("storage metrics", port(.storageMetrics)), ("search metrics", port(.searchMetrics)),
         ("sensor metrics", port(.sensorMetrics))]
            + (0 ..< decoders).map { ("decoder-\($0 + 1) metrics", port(.decoderMetrics($0))) }
            + [("API", httpPort)]
    }

    /// The ZeroMQ endpoint between services: a Unix socket in
    /// `socketDirectory`, which only the deployment's user may enter, so no
    /// other local user can send a message (control, hunts, packet reads)
    /// or subscribe to one.
    public func endpoint(_ socket: Socket) -> String { "ipc://\(socketDirectory)/\(socket.name)" }

    /// `DATA/run`, or a short private directory when that path is too long
    /// for a Unix socket's address (107 bytes).
    public var socketDirectory: String {
        let inData = dataDirectory + "/run"
        if inData.utf8.count + Socket.longestName <= Self.maximumSocketPath { return inData }
        let uid = getuid()
        let runtime = uid == 0 ? "/run" : ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"] ?? "/tmp"
        return "\(runtime)/netsift-\(uid)-\(Self.fnv1a(dataDirectory))"
    }

    static let maximumSocketPath = 107

    /// Creates `socketDirectory` (0700) or checks that it is private: a
    /// directory, not a link, owned by this user, closed to everyone else.
    public func prepareSocketDirectory() throws(OperationsError) {
        let path = socketDirectory
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw .failed(what: "create \(path)", reason: String(cString: strerror(errno)))
        }
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw .failed(what: "check \(path)", reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid(), status.st_mode & 0o077 == 0 else {
            throw .failed(what: "use \(path) for the services' sockets",
                          reason: "it must be a directory owned by this user with mode 0700 (owner \(status.st_uid), "
                              + "mode \(String(status.st_mode & 0o7777, radix: 8)))")
        }
    }

    /// 64-bit FNV-1a of the text, in hex: a short, stable name.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }

    public var file: String { Self.file(in: dataDirectory) }
    public static func file(in dataDirectory: String) -> String { dataDirectory + "/netsift.json" }
    public var configDirectory: String { dataDirectory + "/config" }
    public var logDirectory: String { dataDirectory + "/logs" }
    public var pcapRoot: String { dataDirectory + "/pcap" }
    public var exportsDirectory: String { dataDirectory + "/exports" }
    public var sensorIdentityFile: String { dataDirectory + "/sensor.json" }
    public func configFile(_ service: String) -> String { configDirectory + "/\(service).json" }
    public func logFile(_ service: String) -> String { logDirectory + "/\(service).log" }

    /// The deployment recorded in `dataDirectory`.
    public static func load(dataDirectory: String) throws(OperationsError) -> Deployment {
        let path = file(in: dataDirectory)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .notSetUp(dataDirectory: dataDirectory)
        }
        do {
            var deployment = try JSONDecoder().decode(Deployment.self, from: data)
            deployment.dataDirectory = dataDirectory
            return deployment
        } catch {
            throw .badFile(path: path, reason: "\(error)")
        }
    }

    public func save() throws(OperationsError) {
        try OperationsError.attempt("write \(file)") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(self).write(to: URL(fileURLWithPath: file), options: .atomic)
        }
    }

    public func storageConfiguration(conninfo: String) -> StorageConfiguration {
        var storage = StorageConfiguration()
        storage.deploymentID = id
        storage.databaseURL = conninfo
        storage.pcapRoot = pcapRoot
        storage.recordsEndpoint = endpoint(.storageRecords)
        storage.controlEndpoint = endpoint(.storageControl)
        storage.acksEndpoint = endpoint(.storageAcks)
        storage.readsEndpoint = endpoint(.storageReads)
        storage.metricsPort = port(.storageMetrics)
        return storage
    }

    /// Decoder `index` (from 0) of `decoders`.
    public func decoderConfiguration(_ index: Int) -> DecoderConfiguration {
        var decoder = DecoderConfiguration()
        decoder.deploymentID = id
        decoder.framesEndpoint = endpoint(.decoderFrames(index))
        decoder.recordsEndpoint = endpoint(.storageRecords)
        decoder.acksEndpoint = endpoint(.storageAcks)
        decoder.eventsEndpoint = endpoint(.decoderEvents(index))
        decoder.metricsPort = port(.decoderMetrics(index))
        return decoder
    }

    public func searchConfiguration(conninfo: String) -> SearchConfiguration {
        var search = SearchConfiguration()
        search.deploymentID = id
        search.databaseURL = conninfo
        search.pcapRoot = pcapRoot
        search.endpoint = endpoint(.search)
        search.metricsPort = port(.searchMetrics)
        return search
    }

    public func sensorConfiguration(sensorName: String) -> SensorConfiguration {
        var sensor = SensorConfiguration()
        sensor.deploymentID = id
        sensor.decoders = (0 ..< decoders).map { endpoint(.decoderFrames($0)) }
        sensor.controlEndpoint = endpoint(.storageControl)
        sensor.acksEndpoint = endpoint(.storageAcks)
        sensor.identityFile = sensorIdentityFile
        sensor.sensorName = sensorName
        sensor.metricsPort = port(.sensorMetrics)
        return sensor
    }

    public var gatewayConfiguration: GatewayConfiguration {
        var gateway = GatewayConfiguration()
        gateway.deploymentID = id
        gateway.port = httpPort
        gateway.searchEndpoint = endpoint(.search)
        gateway.readsEndpoint = endpoint(.storageReads)
        gateway.exportsDirectory = exportsDirectory
        return gateway
    }

    /// Each service's config file name and the settings it starts with:
    /// every setting of the service's configuration.
    public func serviceConfigs(conninfo: String, sensorName: String) -> [(name: String, settings: [String: String])] {
        var list: [(name: String, settings: [String: String])] = [
            ("storage", storageConfiguration(conninfo: conninfo).settingTexts),
        ]
        for index in 0 ..< decoders {
            list.append(("decoder-\(index + 1)", decoderConfiguration(index).settingTexts))
        }
        list.append(("search", searchConfiguration(conninfo: conninfo).settingTexts))
        list.append(("gateway", gatewayConfiguration.settingTexts))
        list.append(("sensor", sensorConfiguration(sensorName: sensorName).settingTexts))
        return list
    }

    /// Writes each service's config file. An existing one keeps its values
    /// (an operator may have edited it) and gains the settings it lacks (a
    /// newer version's endpoints); its database address is kept current.
    public func writeConfigs(conninfo: String, sensorName: String) throws(OperationsError) {
        try OperationsError.attempt("create \(configDirectory)") {
            try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        }
        for (name, settings) in serviceConfigs(conninfo: conninfo, sensorName: sensorName) {
            let path = configFile(name)
            if FileManager.default.fileExists(atPath: path) {
                // The database address changes with the cluster's port, and
                // `netsift ingest` takes the endpoints from here, not the file.
                try update(path, missing: settings, current: settings.filter {
                    $0.key == "database_url" || $0.key.hasSuffix("endpoint") || $0.key == "decoders" || $0.key == "deployment_id"
                })
                continue
            }
            try OperationsError.attempt("write \(path)") {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(settings).write(to: URL(fileURLWithPath: path), options: .atomic)
            }
        }
    }

    private func update(_ path: String, missing: [String: String], current: [String: String]) throws(OperationsError) {
        try OperationsError.attempt("update \(path)") {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
            for (key, value) in missing where object[key] == nil { object[key] = value }
            for (key, value) in current { object[key] = value }
            let out = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            try out.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
