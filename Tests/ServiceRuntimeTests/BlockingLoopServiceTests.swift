import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Testing
@testable import ServiceRuntime

/// A blocking loop like the daemons': waits on a semaphore until stopped,
/// then "flushes" before returning.
private final class FakeLoop: Sendable {
    let started = DispatchSemaphore(value: 0)
    let wake = DispatchSemaphore(value: 0)
    let stopRequested = Locked(false)
    let flushed = Locked(false)
    let threadName = Locked<String?>(nil)

    func run() throws {
        threadName.set(Thread.isMainThread ? "main" : ThreadName.current())
        started.signal()
        while !stopRequested.current {
            _ = wake.wait(timeout: .now() + 10)
        }
        flushed.set(true)
    }

    func stop() {
        stopRequested.set(true)
        wake.signal()
    }

    var service: BlockingLoopService {
        BlockingLoopService(name: "fake-loop", run: { try self.run() }, stop: { self.stop() })
    }
}

private struct LoopFailure: Error, Equatable {}

private func quietLogger() -> Logger {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}

/// Waits on a semaphore from async code without blocking the pool.
private func waitOff(_ semaphore: DispatchSemaphore, seconds: Double) async -> Bool {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(returning: semaphore.wait(timeout: .now() + seconds) == .success)
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct BlockingLoopServiceTests {
    @Test func threadNamesFitLinuxLimit() {
        #expect(ThreadName.truncated("decoder") == "decoder")
        #expect(ThreadName.truncated("netsift-decoder-records") == "netsift-decoder")
        #expect(ThreadName.truncated("ééééééééé").utf8.count == 14)
    }

    @Test func gracefulShutdownStopsTheLoopWhichFlushesBeforeRunReturns() async throws {
        let loop = FakeLoop()
        let group = ServiceGroup(services: [loop.service], logger: quietLogger())
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await waitOff(loop.started, seconds: 10))
            #expect(loop.flushed.current == false)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(loop.stopRequested.current)
        #expect(loop.flushed.current)
        #expect(loop.threadName.current == "fake-loop")
    }

    @Test func anErrorThrownByTheLoopPropagates() async {
        let failing = BlockingLoopService(name: "failing", run: { throw LoopFailure() }, stop: {})
        let group = ServiceGroup(services: [failing], logger: quietLogger())
        await #expect(throws: LoopFailure.self) { try await group.run() }
        await #expect(throws: LoopFailure.self) { try await failing.run() }
    }

    @Test func aFailingServiceStopsTheOtherLoops() async {
        // Without the cancellation handler the blocked loop would hang the group.
        let loop = FakeLoop()
        let failing = BlockingLoopService(name: "failing", run: {
            _ = loop.started.wait(timeout: .now() + 10)
            throw LoopFailure()
        }, stop: {})
        let group = ServiceGroup(services: [loop.service, failing], logger: quietLogger())
        await #expect(throws: LoopFailure.self) { try await group.run() }
        #expect(loop.flushed.current)
    }

    @Test func metricsServiceServesUntilShutdown() async throws {
        let endpoint = MetricsEndpoint(port: 0, registry: PrometheusCollectorRegistry()) {
            HealthReport(service: "sensor", status: "ok")
        }
        let loop = FakeLoop()
        let group = ServiceGroup(services: [MetricsService(endpoint: endpoint), loop.service], logger: quietLogger())
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await waitOff(loop.started, seconds: 10))
            var port = 0
            for _ in 0..<200 where port == 0 {
                port = endpoint.boundPort
                if port == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
            try #require(port > 0)
            let health = try await Task.detached {
                try HTTPProbe.get(host: "127.0.0.1", port: port, path: "/health", timeout: 5)
            }.value
            #expect(health.status == 200)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(loop.flushed.current)
        #expect(endpoint.boundPort == 0)
    }
}
