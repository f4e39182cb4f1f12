import Foundation

/// Runs the services (and PostgreSQL) as child processes, restarts one that
/// exits while it should run (`RestartPolicy`), and stops them in reverse
/// start order with each one's stop signal (SIGKILL after a grace period).
/// Each child's stdout and stderr go to its log file. Children are started
/// through `setpriv --pdeathsig`, so they get their stop signal when the
/// supervisor dies, however it dies: no orphans.
/// One thread drives it (`start`, `check`, `stop`) and must outlive the
/// children (the kernel signals them when the thread that started them
/// ends); `note` reports events.
public final class Supervisor {
    public struct Child: Sendable {
        public var name: String
        public var executable: String
        public var arguments: [String]
        public var logFile: String
        /// What asks it to stop (PostgreSQL: SIGINT, a fast shutdown).
        public var stopSignal: Int32
        public init(name: String, executable: String, arguments: [String], logFile: String, stopSignal: Int32 = SIGTERM) {
            self.name = name
            self.executable = executable
            self.arguments = arguments
            self.logFile = logFile
            self.stopSignal = stopSignal
        }
    }

    private final class Running {
        let child: Child
        var process: Process?
        var startedAt = ContinuousClock.now
        var policy = RestartPolicy()
        var restartAt: ContinuousClock.Instant?
        var restarts = 0
        init(child: Child) { self.child = child }
    }

    private var children: [Running] = []
    private let note: (String) -> Void

    public init(note: @escaping (String) -> Void) {
        self.note = note
    }

    /// Starts a child and supervises it from now on.
    public func start(_ child: Child) throws(OperationsError) {
        let running = Running(child: child)
        try launch(running)
        children.append(running)
    }

    /// The named child's pid while it runs.
    public func pid(of name: String) -> Int32? {
        children.first { $0.child.name == name }?.process.flatMap { $0.isRunning ? $0.processIdentifier : nil }
    }

    /// Restarts children that exited; call it every few hundred milliseconds.
    public func check() {
        let now = ContinuousClock.now
        for running in children {
            if let process = running.process, !process.isRunning {
                let status = process.terminationStatus
                let reason = process.terminationReason == .uncaughtSignal ? "signal \(status)" : "status \(status)"
                let delay = running.policy.exited(after: now - running.startedAt)
                note("\(running.child.name) exited (\(reason)); restarting in \(delay)")
                running.process = nil
                running.restartAt = now + delay
            }
            if running.process == nil, let at = running.restartAt, now >= at {
                running.restarts += 1
                do {
                    try launch(running)
                } catch {
                    note("\(running.child.name) could not be restarted: \(error)")
                    running.restartAt = now + running.policy.launchFailed()
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
            if let process = running.process, process.isRunning { kill(process.processIdentifier, running.child.stopSignal) }
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
        if FileManager.default.isExecutableFile(atPath: Self.setpriv) {
            process.executableURL = URL(fileURLWithPath: Self.setpriv)
            process.arguments = ["--pdeathsig", Self.signalName(child.stopSignal), "--", child.executable] + child.arguments
        } else {
            process.executableURL = URL(fileURLWithPath: child.executable)
            process.arguments = child.arguments
        }
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

    /// util-linux's: sets the parent-death signal, then executes the child.
    static let setpriv = "/usr/bin/setpriv"

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: "INT"
        case SIGKILL: "KILL"
        default: "TERM"
        }
    }
}
