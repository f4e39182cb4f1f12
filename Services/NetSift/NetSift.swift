import ArgumentParser
import Foundation

@main
struct NetSift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netsift",
        abstract: "NetSift: network traffic capture and analysis.",
        subcommands: [DumpCommand.self, UpCommand.self, IngestCommand.self, StatusCommand.self, DownCommand.self,
                      KeysCommand.self, SearchCommand.self, HuntCommand.self])
}

