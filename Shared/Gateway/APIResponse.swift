import Foundation

/// AppPacCap's RESPONSE envelope: `ErrorCode`, `DataType`, `ReturnValue`.
/// With DataType 3 (JSON) the object is nested in `ReturnValue` as JSON, not
/// as a string (DESIGN.md); errors carry their message as a string
/// (DataType 1). Error codes map to HTTP status as DESIGN.md decides.
public enum APIResponse {
    public enum ErrorCode: Int, Sendable {
        case success = 0, genericError = 1, noToken = 2, noPage = 3, malformedRequest = 4, sessionTimeout = 5
        case invalidPermissions = 8, invalidCredentials = 9, invalidLicense = 12

        public var httpStatus: Int {
            switch self {
            case .success: 200
            case .malformedRequest: 400
            case .noToken, .sessionTimeout, .invalidCredentials: 401
            case .invalidPermissions, .invalidLicense: 403
            case .noPage: 404
            case .genericError: 500
            }
        }
    }

    /// `{"ErrorCode":0,"DataType":3,"ReturnValue":<object>}`.
    public static func object(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let inner = try encoder.encode(value)
        return Array(#"{"ErrorCode":0,"DataType":3,"ReturnValue":"#.utf8) + inner + Array("}".utf8)
    }

    /// `{"ErrorCode":N,"DataType":1,"ReturnValue":"message"}`.
    public static func error(_ code: ErrorCode, _ message: String) -> [UInt8] {
        struct Envelope: Encodable {
            var ErrorCode: Int
            var DataType: Int
            var ReturnValue: String
        }
        let body = Envelope(ErrorCode: code.rawValue, DataType: 1, ReturnValue: message)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(body)).map { [UInt8]($0) } ?? Array(#"{"ErrorCode":1}"#.utf8)
    }
}

/// Windows FILETIME (100 ns intervals since 1601-01-01 UTC), as AppPacCap's
/// `DTG*` fields carry time.
public enum FileTime {
    static let epochOffset: Int64 = 116_444_736_000_000_000

    public static func from(nanoseconds: Int64) -> Int64 { nanoseconds / 100 + epochOffset }
}
