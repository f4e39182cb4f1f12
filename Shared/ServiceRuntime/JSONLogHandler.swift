import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line to standard
/// error: `ts` (RFC 3339 UTC, milliseconds), `level`, `service`, `msg`,
/// then every metadata entry as a string field (sorted by key). A metadata
/// key that collides with those four is written with a leading `_`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let service: String
    private let sink: LogSink
    private let now: @Sendable () -> Double

    public init(service: String, level: Logger.Level = .info,
                metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider) {
        self.init(service: service, level: level, metadataProvider: metadataProvider, sink: .standardError,
                  now: { Date().timeIntervalSince1970 })
    }

    init(service: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil,
         sink: LogSink, now: @escaping @Sendable () -> Double) {
        self.service = service
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.sink = sink
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let own = event.metadata {
            merged.merge(own) { _, new in new }
        }
        if let error = event.error {
            merged["error"] = .string(String(describing: error))
        }
        sink.write(line(level: event.level, message: event.message.description, metadata: merged))
    }

    func line(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var out = "{\"ts\":\"\(LogTimestamp.format(secondsSince1970: now()))\""
        out += ",\"level\":\(Self.quoted(level.rawValue))"
        out += ",\"service\":\(Self.quoted(service))"
        out += ",\"msg\":\(Self.quoted(message))"
        let fields = metadata.map { key, value in (Self.reserved.contains(key) ? "_" + key : key, value) }
        for (name, value) in fields.sorted(by: { $0.0 < $1.0 }) {
            out += ",\(Self.quoted(name)):\(Self.quoted(value.description))"
        }
        return out + "}\n"
    }

    private static let reserved: Set<String> = ["ts", "level", "service", "msg"]

    /// A JSON string literal; control characters are escaped so a line
    /// stays one line.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
