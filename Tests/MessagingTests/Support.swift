import Dissection
import Foundation
import TestSupport
import Wire

/// `body`'s result, computed on a thread of its own with an 8 MiB stack while the caller waits.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let result = Mailbox<T>()
    let thread = Thread {
        result.put(body())
        done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    done.wait()
    guard let value = result.take(timeout: 0) else { preconditionFailure("the thread ended without a result") }
    return value
}

/// Work on its own thread (never the cooperative pool, since it blocks on
/// sockets), started at once — not when some task gets scheduled — so a
/// busy pool cannot delay it.
final class ThreadJob<T: Sendable>: @unchecked Sendable {
    // @unchecked: `outcome` and `waiter` are guarded by `lock`.
    private let lock = NSLock()
    private var outcome: Result<T, any Error>?
    private var waiter: CheckedContinuation<T, any Error>?

    init(_ name: String, _ body: @escaping @Sendable () throws -> T) {
        let thread = Thread { [self] in finish(Result { try body() }) }
        thread.name = name
        thread.start()
    }

    private func finish(_ result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
            outcome = result
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume(with: result)
    }

    var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let done: Result<T, any Error>? = lock.withLock {
                    if outcome == nil { waiter = continuation }
                    return outcome
                }
                if let done { continuation.resume(with: done) }
            }
        }
    }
}

/// A one-slot hand-over between threads, with a timeout.
final class Mailbox<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: T?

    func put(_ v: T) {
        condition.lock()
        value = v
        condition.broadcast()
        condition.unlock()
    }

    func take(timeout: TimeInterval = 5) -> T? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while value == nil {
            if !condition.wait(until: deadline) { break }
        }
        return value
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory for ipc:// endpoints; short, since socket paths are
/// limited to ~107 bytes.
func temporaryDirectory() throws -> URL {
    let url = URL(fileURLWithPath: "/tmp").appendingPathComponent("netsift-msg-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

enum Samples {
    static let producer = UUID(uuidString: "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0") ?? UUID()

    static var frameBatch: FrameBatch {
        var batch = FrameBatch(captureID: 42)
        batch.append(number: 1, timestamp: 1_700_000_000_123_456_789, wireLength: 60, linkType: .ethernet,
                     bytes: [UInt8](0 ..< 60))
        batch.append(number: 2, timestamp: -1, wireLength: 1514, linkType: .raw, bytes: [UInt8](repeating: 0xAB, count: 10))
        batch.append(number: 3, timestamp: .max, wireLength: 0, linkType: LinkType(rawValue: .max), bytes: [UInt8]())
        return batch
    }

    static let watermark = Watermark(captureID: 42, throughFrame: 1_000, packetTime: 1_700_000_000_000_000_000)
    static let end = EndOfCapture(captureID: 42, frameCount: 3)
    static let failedEnd = EndOfCapture(captureID: 7, frameCount: 9, outcome: .failed, reason: "truncated record — 12 bytes short")
    static let ack = Ack(producer: producer, ranges: [1 ... 10, 12 ... 12, 20 ... 4_000_000_000])

    static let read = PacketReadMessage(.read([
        .init(segment: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/2024-03-10/1-1-000001.pcap", offset: 24, length: 76),
        .init(segment: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/2024-03-10/1-1-000002.pcap", offset: 24, length: 16),
        .init(segment: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/2024-03-10/1-1-000001.pcap", offset: 100, length: 16),
    ]))
    static let records = PacketReadMessage(.records(PacketReadMessageTests.records))

    static var messages: [Message] {
        [.frames(frameBatch), .frames(FrameBatch(captureID: 1)), .watermark(watermark), .end(end), .end(failedEnd),
         .ack(ack), .ack(Ack(producer: producer, ranges: [])), .read(read), .read(records)]
    }

    /// The wire frames of every sample, with distinct sequence numbers.
    static var wireMessages: [(Message, [[UInt8]])] {
        messages.enumerated().map { i, m in (m, m.envelope(producer: producer, sequence: UInt64(i + 1)).frames) }
    }
}
