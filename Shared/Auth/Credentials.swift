import Foundation

/// The API key an `Authorization` header carries: HTTP Basic with the key
/// as user name and an empty password (as AlphaSOC does), or
/// `Token KEY`. Anything else — other schemes, a password, bad base64, a
/// key that is not 64 hex digits — carries none.
public enum Credentials {
    public static func key(fromAuthorization header: String?) -> APIKey? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "token":
            return APIKey(value)
        case "basic":
            guard value.utf8.count <= 1_024, let data = Data(base64Encoded: value),
                  let decoded = String(data: data, encoding: .utf8),
                  let colon = decoded.firstIndex(of: ":") else { return nil }
            guard decoded[decoded.index(after: colon)...].isEmpty else { return nil }
            return APIKey(decoded[..<colon])
        default:
            return nil
        }
    }
}
