import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Operations

/// `--api URL` or `--data DIR`: where a command finds the API.
struct APIOptions: ParsableArguments {
    @OptionGroup var data: DataOption
    @Option(help: "The API to ask instead of the local deployment, e.g. http://host:8080/api/v1 (key: NETSIFT_API_KEY).")
    var api: String?

    func client() throws -> APIClient { try APIClient(api: api, data: data) }
}

/// The REST API as the operator's commands reach it: `--api URL` with the
/// key in NETSIFT_API_KEY, or the local deployment of `--data` with its admin key.
struct APIClient {
    let base: String
    let key: String

    init(api: String?, data: DataOption) throws {
        if let api {
            guard let key = ProcessInfo.processInfo.environment["NETSIFT_API_KEY"] else {
                throw ValidationError("--api needs the key in NETSIFT_API_KEY")
            }
            (base, self.key) = (api, key)
            return
        }
        let deployment = try Deployment.load(dataDirectory: data.path)
        key = try String(contentsOfFile: data.path + "/admin.key", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        base = deployment.apiURL
    }

    /// The envelope's `ReturnValue` object; an error answer is printed as
    /// `netsift COMMAND: message` and exits 1.
    func object(_ method: String, _ path: String, _ query: [URLQueryItem] = [], command: String) throws -> [String: Any] {
        var components = URLComponents(string: base + path)
        if !query.isEmpty {
            components?.queryItems = query
            // '+' is a space in query strings: send it encoded.
            let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            components?.percentEncodedQuery = encoded
        }
        guard let url = components?.url else { throw ValidationError("bad API address \(base)") }
        let body = try send(method, url)
        guard let envelope = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ValidationError("the API answered something that is not JSON")
        }
        guard envelope["ErrorCode"] as? Int == 0, let value = envelope["ReturnValue"] as? [String: Any] else {
            printError("netsift \(command): \(envelope["ReturnValue"] as? String ?? "failed")")
            throw ExitCode(1)
        }
        return value
    }

    private func send(_ method: String, _ url: URL) throws -> Data {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("Token \(key)", forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 120
        let done = DispatchSemaphore(value: 0)
        let result = LockedResult()
        URLSession.shared.dataTask(with: request) { data, _, error in
            result.set(data, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, error) = result.get()
        if let error { throw ValidationError("cannot reach the API at \(url.host ?? ""): \(error.localizedDescription)") }
        return data ?? Data()
    }

    static func jsonLine(_ item: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: item, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// The data task's outcome, handed from its thread to the waiting one.
private final class LockedResult: @unchecked Sendable {
    // @unchecked: `data` and `error` are guarded by `lock`.
    private let lock = NSLock()
    private var data: Data?
    private var error: (any Error)?

    func set(_ data: Data?, _ error: (any Error)?) { lock.withLock { self.data = data; self.error = error } }
    func get() -> (Data?, (any Error)?) { lock.withLock { (data, error) } }
}
