/// What an operator command could not do, in words the operator can act on.
public enum OperationsError: Error, CustomStringConvertible, Sendable {
    case notSetUp(dataDirectory: String)
    case badFile(path: String, reason: String)
    case missing(what: String, hint: String)
    case failed(what: String, reason: String)

    public var description: String {
        switch self {
        case .notSetUp(let directory):
            "\(directory) holds no NetSift deployment (no netsift.json); start one with: netsift up --data \(directory)"
        case .badFile(let path, let reason): "\(path) is not readable: \(reason)"
        case .missing(let what, let hint): "\(what) is missing: \(hint)"
        case .failed(let what, let reason): "could not \(what): \(reason)"
        }
    }

    static func attempt(_ what: String, _ body: () throws -> Void) throws(OperationsError) {
        do {
            try body()
        } catch {
            throw .failed(what: what, reason: "\(error)")
        }
    }
}
