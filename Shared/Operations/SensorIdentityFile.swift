import Foundation

/// A sensor's persistent identity, kept in a small JSON file: the UUID is
/// made once and never changes; the name may be edited.
public struct SensorIdentityFile: Codable, Hashable, Sendable {
    public var id: UUID
    public var name: String

    /// Reads the file, or creates it with a new UUID and `defaultName`.
    public static func loadOrCreate(path: String, defaultName: String) throws(OperationsError) -> SensorIdentityFile {
        if let data = FileManager.default.contents(atPath: path) {
            do {
                return try JSONDecoder().decode(SensorIdentityFile.self, from: data)
            } catch {
                throw .badFile(path: path, reason: "\(error)")
            }
        }
        let identity = SensorIdentityFile(id: UUID(), name: defaultName)
        try OperationsError.attempt("write \(path)") {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(identity).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
        return identity
    }

    /// This host's name, the default sensor name.
    public static var hostName: String { ProcessInfo.processInfo.hostName }
}
