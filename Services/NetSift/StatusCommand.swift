import ArgumentParser
import Foundation
import Operations

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print each service's health and counters. Exit status 1 when one is not ok.")

    @OptionGroup var data: DataOption

    func run() throws {
        let deployment = try Deployment.load(dataDirectory: data.path)
        let health = HealthWatch(deployment: deployment)
        let holder = DataDirectoryLock.holder(dataDirectory: data.path)
        print("netsift up: " + (holder.map { "running" + ($0.map { " (pid \($0))" } ?? "") } ?? "not running"))
        print(health.report())
        if !health.allOK() { throw ExitCode(1) }
    }
}

struct DownCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the `netsift up` of a data directory (services flush what they hold).")

    @OptionGroup var data: DataOption

    func run() throws {
        guard case .some(let holder) = DataDirectoryLock.holder(dataDirectory: data.path), let pid = holder else {
            print("NetSift is not up for \(data.path)")
            return
        }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + .seconds(90)
        while kill(pid, 0) == 0, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if kill(pid, 0) == 0 {
            printError("netsift up (pid \(pid)) is still running after 90 s")
            throw ExitCode(1)
        }
        print("stopped")
    }
}
