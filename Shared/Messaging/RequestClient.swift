import Foundation
import Wire

/// Asks a request/reply service (search's `query.v1`, storage's `read.v1`)
/// from async code: one thread owns a DEALER socket (sockets are not
/// thread-safe); callers hand it requests and await the replies, matched by
/// request number. A request not answered within `timeout` fails with
/// `RequestClientError.timeout`.
public final class RequestClient<Message: WireMessage>: @unchecked Sendable {
    // @unchecked: `outbox`, `waiting` and `next` are guarded by `lock`.
    private let lock = NSLock()
    private var outbox: [(UInt64, Message)] = []
    private var waiting: [UInt64: (CheckedContinuation<Message, any Error>, ContinuousClock.Instant)] = [:]
    private var next: UInt64 = 0
    private let stopping = Locked(false)
    private let done = DispatchSemaphore(value: 0)
    private let asker = UUID()
    private let wake = WakeSignal()
    public let timeout: Duration
    public let limits: WireLimits

    public init(context: MessageContext, endpoint: String, timeout: Duration = .seconds(10),
                limits: WireLimits = .default) {
        self.timeout = timeout
        self.limits = limits
        let thread = Thread { [self] in
            loop(context: context, endpoint: endpoint)
            done.signal()
        }
        thread.name = "netsift-request-client"
        thread.start()
    }

    public func ask(_ request: Message) async throws -> Message {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                next += 1
                waiting[next] = (continuation, .now + timeout)
                outbox.append((next, request))
            }
            wake?.signal()
        }
    }

    /// Fails what is pending and ends the socket's thread.
    public func close() {
        stopping.set(true)
        wake?.signal()
        done.wait()
    }

    private func loop(context: MessageContext, endpoint: String) {
        let socket: Socket
        do {
            socket = try Socket(context, .dealer, options: [.sendTimeout(.milliseconds(100))])
            try socket.connect(endpoint)
        } catch {
            failAll(RequestClientError.socket("\(error)"))
            return
        }
        defer { socket.close() }
        let poller = Poller()
        let wakeFD = wake.map { [$0.fileDescriptor] } ?? []
        while !stopping.get() {
            let sends = lock.withLock { () -> [(UInt64, Message)] in
                defer { outbox.removeAll() }
                return outbox
            }
            for (number, request) in sends {
                if (try? socket.send(request.envelope(producer: asker, sequence: number))) == nil {
                    resolve(number, with: .failure(RequestClientError.unreachable(endpoint)))
                }
            }
            // Without a wake signal, poll briefly so queued requests still go out.
            let wait = wake == nil ? 1 : 20
            guard let ready = try? poller.poll([socket], fileDescriptors: wakeFD, timeoutMilliseconds: wait) else { break }
            if ready[1] { wake?.drain() }
            if ready[0] {
                while let frames = try? socket.receive(blocking: false) {
                    guard let envelope = try? Envelope(frames: frames),
                          let reply = try? Message(envelope, limits: limits) else { continue }
                    resolve(envelope.header.sequence, with: .success(reply))
                }
            }
            let now = ContinuousClock.now
            let expired = lock.withLock { waiting.filter { $0.value.1 < now }.map(\.key) }
            for number in expired { resolve(number, with: .failure(RequestClientError.timeout(endpoint))) }
        }
        failAll(RequestClientError.closed)
    }

    private func resolve(_ number: UInt64, with result: Result<Message, any Error>) {
        let continuation = lock.withLock { waiting.removeValue(forKey: number)?.0 }
        continuation?.resume(with: result)
    }

    private func failAll(_ error: RequestClientError) {
        let all = lock.withLock { () -> [CheckedContinuation<Message, any Error>] in
            defer { waiting.removeAll() }
            return waiting.values.map(\.0)
        }
        for continuation in all { continuation.resume(throwing: error) }
    }
}

public enum RequestClientError: Error, CustomStringConvertible, Sendable {
    case timeout(String)
    case unreachable(String)
    case socket(String)
    case closed

    public var description: String {
        switch self {
        case .timeout(let endpoint): "no answer from \(endpoint)"
        case .unreachable(let endpoint): "cannot send to \(endpoint)"
        case .socket(let message): "request client socket: \(message)"
        case .closed: "request client closed"
        }
    }
}

extension RequestClient where Message == QueryMessage {
    /// Asks search.
    public func ask(_ request: QueryMessage.Request) async throws -> QueryMessage.Reply {
        let answer = try await ask(QueryMessage(.request(request))).body
        guard case .reply(let reply) = answer else {
            throw WireError(.invalidValue, "query.v1: search answered with a request")
        }
        return reply
    }
}

/// The gateway's way to the read side.
public typealias SearchClient = RequestClient<QueryMessage>
