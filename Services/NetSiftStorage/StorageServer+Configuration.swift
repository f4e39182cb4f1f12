import Configurations
import Storage

extension StorageServer.Configuration {
    init(_ configuration: StorageConfiguration, conninfo: String) {
        self.init(conninfo: conninfo, pcapRoot: configuration.pcapRoot, recordsEndpoint: configuration.recordsEndpoint,
                  controlEndpoint: configuration.controlEndpoint, acksEndpoint: configuration.acksEndpoint)
        commitWorkers = configuration.commitWorkers
        abandonAfter = configuration.abandonAfterSeconds > 0 ? .seconds(configuration.abandonAfterSeconds) : nil
    }
}
