import Configurations
import Foundation

/// Reads a service's configuration: its settings file (when given; a key
/// it does not know is an error), then its `NETSIFT_<SERVICE>_<KEY>`
/// environment variables, over its defaults. A value that does not parse
/// is an error naming the key, the value and where it came from.
public enum ConfigurationLoader {
    public static func load<C: ServiceConfiguration>(
        _ type: C.Type, file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) -> C {
        try Settings(file: file, environmentPrefix: C.environmentPrefix, known: Set(C.keys), environment: environment)
            .decode(C.self)
    }

    /// The same, also taking `extraKeys`, the family the configuration
    /// cannot list itself, into `extraSettings`.
    public static func load<C: ExtensibleConfiguration>(
        _ type: C.Type, file: String?, extraKeys: Set<String>,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) -> C {
        let settings = try Settings(file: file, environmentPrefix: C.environmentPrefix,
                                    known: Set(C.keys).union(extraKeys), environment: environment)
        var configuration = try settings.decode(C.self)
        configuration.extraSettings = settings.texts(of: extraKeys)
        return configuration
    }
}
