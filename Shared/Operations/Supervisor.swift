import Foundation

/// Runs the services as child processes, restarts one that exits while it
/// should run (waiting 1 s, doubling to 30 s while it keeps failing; back to
/// 1 s after a minute up), and stops them with SIGTERM (SIGKILL after a
/// grace period). Each child's stdout and stderr go to its log file.
/// One thread drives it (`start`, `check`, `stop`); `note` reports events.
public final class Supervisor {
    public struct Child: Sendable {
        public var name: String
        public var executable: String
        public var arguments: [String]
        public var logFile: String
        public init(name: String, executable: String, arguments: [String], logFile: String) {
            self.name = name
            self.executable = executable
            self.arguments = arguments
            self.logFile = logFile
        }
    }

    private final class Running {
        let child: Child
        var process: Process?
        var startedAt = ContinuousClock.now
        var backoff: Duration = .seconds(1)
        var restartAt: ContinuousClock.Instant?
        var restarts = 0
        init(child: Child) { self.child = child }
    }

    private let children: [Running]
    private let note: (String) -> Void

    public init(children: [Child], note: @escaping (String) -> Void) {
        self.children = children.map(Running.init)
        self.note = note
    }

    public func start() throws(OperationsError) {
        for running in children { try launch(running) }
    }

    /// Restarts children that exited; call it every few hundred milliseconds.
    public func check() {
        let now = ContinuousClock.now
        for running in children {
            if let process = running.process, !process.isRunning {
                let status = process.terminationStatus
                let reason = process.terminationReason == .uncaughtSignal ? "signal \(status)" : "status \(status)"
                if now - running.startedAt > .seconds(60) { running.backoff = .seconds(1) }
                note("\(running.child.name) exited (\(reason)); restarting in \(running.backoff)")
                running.process = nil
                running.restartAt = now + running.backoff
                running.backoff = min(running.backoff * 2, .seconds(30))
            }
            if running.process == nil, let at = running.restartAt, now >= at {
                running.restarts += 1
                do {
                    try launch(running)
                } catch {
                    note("\(running.child.name) could not be restarted: \(error)")
                    running.restartAt = now + running.backoff
                }
            }
        }
    }

    /// (name, pid, restarts) per child.
    public var state: [(name: String, pid: Int32?, restarts: Int)] {
        children.map { ($0.child.name, $0.process.flatMap { $0.isRunning ? $0.processIdentifier : nil }, $0.restarts) }
    }

    /// SIGTERM to every child, in reverse start order; SIGKILL after `grace`.
    public func stop(grace: Duration = .seconds(15)) {
        for running in children.reversed() {
            running.restartAt = nil
            if let process = running.process, process.isRunning { process.terminate() }
            let deadline = ContinuousClock.now + grace
            while let process = running.process, process.isRunning, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
            if let process = running.process, process.isRunning {
                note("\(running.child.name) did not stop within \(grace); killing it")
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            running.process = nil
        }
    }

    private func launch(_ running: Running) throws(OperationsError) {
        let child = running.child
        let process = Process()
        process.executableURL = URL(fileURLWithPath: child.executable)
        process.arguments = child.arguments
        process.standardInput = FileHandle.nullDevice
        do {
            if !FileManager.default.fileExists(atPath: child.logFile) {
                FileManager.default.createFile(atPath: child.logFile, contents: nil)
            }
            guard let log = FileHandle(forWritingAtPath: child.logFile) else {
                throw OperationsError.failed(what: "open \(child.logFile)", reason: "not writable")
            }
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            try process.run()
        } catch {
            throw .failed(what: "start \(child.name)", reason: "\(error)")
        }
        running.process = process
        running.startedAt = .now
        running.restartAt = nil
        note("\(child.name) started (pid \(process.processIdentifier))")
    }
}
