import Configurations

/// The gateway's settings as the values its parts take.
extension GatewayConfiguration {
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
