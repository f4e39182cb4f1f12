/// What the gateway is set up with: where it listens, where search and
/// storage answer, its exports and its limits. Defaults are the settings'
/// defaults (docs/OPERATIONS.md).
public struct GatewayConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// Search's request endpoint (`search_endpoint`).
    public var searchEndpoint: String
    /// Storage's frame read endpoint (`reads_endpoint`).
    public var readsEndpoint: String
    public var exportsDirectory: String
    /// Free space an export leaves on its disk (`exports_min_free_mb`).
    public var exportsMinFreeMB: Int
    /// Exports last written longer ago are removed; 0 keeps them (`exports_max_age_hours`).
    public var exportsMaxAgeHours: Int
    public var downloadsPerKey: Int
    public var downloadsTotal: Int
    public var headerTimeoutSeconds: Int
    public var idleTimeoutSeconds: Int
    /// The deployment the gateway belongs to, in its health answer.
    public var deploymentID: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, searchEndpoint: String = "tcp://127.0.0.1:47305",
                readsEndpoint: String = "tcp://127.0.0.1:47307", exportsDirectory: String = "exports",
                exportsMinFreeMB: Int = 1024, exportsMaxAgeHours: Int = 168,
                downloadsPerKey: Int = DownloadLimits.default.perKey, downloadsTotal: Int = DownloadLimits.default.total,
                headerTimeoutSeconds: Int = 10, idleTimeoutSeconds: Int = 60, deploymentID: String? = nil) {
        self.host = host
        self.port = port
        self.searchEndpoint = searchEndpoint
        self.readsEndpoint = readsEndpoint
        self.exportsDirectory = exportsDirectory
        self.exportsMinFreeMB = exportsMinFreeMB
        self.exportsMaxAgeHours = exportsMaxAgeHours
        self.downloadsPerKey = downloadsPerKey
        self.downloadsTotal = downloadsTotal
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.deploymentID = deploymentID
    }

    public var exports: ExportDirectory {
        ExportDirectory(path: exportsDirectory, minimumFreeBytes: Int64(exportsMinFreeMB) << 20)
    }

    /// How old an export may grow; nil: no limit.
    public var exportsMaxAge: Duration? {
        exportsMaxAgeHours > 0 ? .seconds(Int64(exportsMaxAgeHours) * 3600) : nil
    }

    var downloadLimits: DownloadLimits {
        DownloadLimits(perKey: downloadsPerKey, total: downloadsTotal,
                       retryAfterSeconds: DownloadLimits.default.retryAfterSeconds)
    }

    var timeouts: ConnectionTimeouts {
        ConnectionTimeouts(header: .seconds(Int64(headerTimeoutSeconds)), idle: .seconds(Int64(idleTimeoutSeconds)))
    }
}
