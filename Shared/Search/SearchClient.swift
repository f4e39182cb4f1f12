import Foundation
import Messaging

/// Asks search from async code: one thread owns a DEALER socket (sockets
/// are not thread-safe); callers hand it requests and await the replies,
/// matched by request number. A request not answered within `timeout`
/// fails with `SearchClientError.timeout`.
public final class SearchClient: @unchecked Sendable {
    // @unchecked: `outbox`, `waiting` and `next` are guarded by `lock`.
    private let lock = NSLock()
    private var outbox: [(UInt64, QueryMessage.Body)] = []
    private var waiting: [UInt64: (CheckedContinuation<QueryMessage.Body, any Error>, ContinuousClock.Instant)] = [:]
    private var next: UInt64 = 0
    private let stopping = Locked(false)
    private let done = DispatchSemaphore(value: 0)
    private let asker = UUID()
    public let timeout: Duration

    public init(context: MessageContext, endpoint: String, timeout: Duration = .seconds(10)) {
        self.timeout = timeout
        let thread = Thread { [self] in
            loop(context: context, endpoint: endpoint)
            done.signal()
        }
        thread.name = "netsift-search-client"
        thread.start()
    }

    public func ask(_ query: QueryMessage.Body) async throws -> QueryMessage.Body {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                next += 1
                waiting[next] = (continuation, .now + timeout)
                outbox.append((next, query))
            }
        }
    }

    /// Fails what is pending and ends the socket's thread.
    public func close() {
        stopping.set(true)
        done.wait()
    }

    private func loop(context: MessageContext, endpoint: String) {
        let socket: Socket
        do {
            socket = try Socket(context, .dealer, options: [.sendTimeout(.milliseconds(100))])
            try socket.connect(endpoint)
        } catch {
            failAll(SearchClientError.socket("\(error)"))
            return
        }
        defer { socket.close() }
        let poller = Poller()
        while !stopping.get() {
            let sends = lock.withLock { () -> [(UInt64, QueryMessage.Body)] in
                defer { outbox.removeAll() }
                return outbox
            }
            for (number, query) in sends {
                let envelope = QueryMessage(query).envelope(producer: asker, sequence: number)
                if (try? socket.send(envelope)) == nil {
                    resolve(number, with: .failure(SearchClientError.unreachable(endpoint)))
                }
            }
            let pending = lock.withLock { !waiting.isEmpty }
            guard let ready = try? poller.poll([socket], timeoutMilliseconds: pending ? 1 : 5) else { break }
            if ready[0] {
                while let frames = try? socket.receive(blocking: false) {
                    guard let envelope = try? Envelope(frames: frames), let reply = try? QueryMessage(envelope) else { continue }
                    resolve(envelope.header.sequence, with: .success(reply.body))
                }
            }
            let now = ContinuousClock.now
            let expired = lock.withLock { waiting.filter { $0.value.1 < now }.map(\.key) }
            for number in expired { resolve(number, with: .failure(SearchClientError.timeout(endpoint))) }
        }
        failAll(SearchClientError.closed)
    }

    private func resolve(_ number: UInt64, with result: Result<QueryMessage.Body, any Error>) {
        let continuation = lock.withLock { waiting.removeValue(forKey: number)?.0 }
        continuation?.resume(with: result)
    }

    private func failAll(_ error: SearchClientError) {
        let all = lock.withLock { () -> [CheckedContinuation<QueryMessage.Body, any Error>] in
            defer { waiting.removeAll() }
            return waiting.values.map(\.0)
        }
        for continuation in all { continuation.resume(throwing: error) }
    }
}

public enum SearchClientError: Error, CustomStringConvertible, Sendable {
    case timeout(String)
    case unreachable(String)
    case socket(String)
    case closed

    public var description: String {
        switch self {
        case .timeout(let endpoint): "search did not answer at \(endpoint)"
        case .unreachable(let endpoint): "cannot send to search at \(endpoint)"
        case .socket(let message): "search client socket: \(message)"
        case .closed: "search client closed"
        }
    }
}
