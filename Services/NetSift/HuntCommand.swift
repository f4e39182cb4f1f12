import Events
import ArgumentParser
import Foundation

/// `netsift hunt add|list|matches|run|enable|disable|remove`: saved queries that search
/// runs over newly stored flows (docs/QUERY.md, "Hunts"), through the API.
struct HuntCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hunt",
        abstract: "Save queries that run over newly stored traffic and record the flows they match.",
        subcommands: [Add.self, List.self, Matches.self, Run.self, Enable.self, Disable.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save a hunt; it runs at once, then every interval.")

        @Argument(help: "A unique name.")
        var name: String
        @Argument(help: "The query, e.g. 'dns.question.name endswith .example.com'.")
        var query: String
        @OptionGroup var endpoint: APIOptions
        @Option(name: .customLong("as"), help: "What the query tests: packets, flows or events (with --dataset).")
        var target: SearchCommand.Target = .packets
        @Option(help: ArgumentHelp("The protocol whose events --as events tests: \(Dataset.names)."))
        var dataset: String?
        @Option(help: "Time between runs: 90s, 15m, 1h, 1d (default: the search service's hunt_interval_seconds).")
        var interval: String?

        func run() throws {
            let query = [URLQueryItem(name: "name", value: name), URLQueryItem(name: "q", value: self.query),
                         URLQueryItem(name: "as", value: target.rawValue)]
                + (dataset.map { [URLQueryItem(name: "dataset", value: $0)] } ?? [])
                + (interval.map { [URLQueryItem(name: "interval", value: $0)] } ?? [])
            let hunt = try endpoint.client().object("POST", "/hunts", query, command: "hunt add")
            say("hunt \(hunt["Id"] ?? ""): \(name): \(hunt["Query"] ?? "")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the hunts.")

        @OptionGroup var endpoint: APIOptions
        @Flag(help: "One hunt object per line.")
        var json = false

        func run() throws {
            let list = try endpoint.client().object("GET", "/hunts", command: "hunt list")
            let hunts = list["Items"] as? [[String: Any]] ?? []
            if !json { say("hunt\tname\tas\tinterval\tenabled\tmatched\tlast_run\tquery\tlast_error") }
            for hunt in hunts {
                guard !json else {
                    say(APIClient.jsonLine(hunt))
                    continue
                }
                func text(_ key: String) -> String { hunt[key].map { "\($0)" } ?? "" }
                let target = [text("Target"), text("Dataset")].filter { !$0.isEmpty }.joined(separator: "/")
                let interval = (hunt["Interval"] as? Int).map { "\($0)s" } ?? "default"
                let enabled = (hunt["Enabled"] as? Bool) == true ? "yes" : "no"
                say([text("Id"), text("Name"), target, interval, enabled, text("MatchedCount"), text("DTGLastRunText"),
                     text("Query"), text("LastError")].joined(separator: "\t"))
            }
        }
    }

    struct Matches: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The flows a hunt matched, in the order they matched.")

        @OptionGroup var hunt: NamedHunt
        @Option(help: "Only the matches after this one (the ordinal a previous listing ended at).")
        var after: UInt64 = 0
        @Flag(help: "One FLOW object per line.")
        var json = false

        func run() throws {
            let (client, id) = try hunt.resolve(command: "hunt matches")
            if !json { say(SearchCommand.header(.flows)) }
            var after = self.after
            while true {
                let page = try client.object("GET", "/hunts/\(id)/matches", [
                    URLQueryItem(name: "after", value: "\(after)"), URLQueryItem(name: "limit", value: "1000"),
                ], command: "hunt matches")
                for flow in page["Items"] as? [[String: Any]] ?? [] {
                    say(json ? APIClient.jsonLine(flow) : SearchCommand.tableLine(flow, .flows))
                }
                guard let last = (page["LastId"] as? NSNumber)?.uint64Value, last > after else { break }
                after = last
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a hunt now, due or not.")

        @OptionGroup var hunt: NamedHunt

        func run() throws {
            let (client, id) = try hunt.resolve(command: "hunt run")
            let ran = try client.object("POST", "/hunts/\(id)/run", command: "hunt run")
            if let error = ran["LastError"] as? String {
                printError("netsift hunt run: \(hunt.name): \(error)")
                throw ExitCode(1)
            }
            say("hunt \(id): \(hunt.name): \(ran["MatchedCount"] ?? 0) flows matched in all")
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a hunt run again (from the data stored since its last run), optionally at a new interval.")

        @OptionGroup var hunt: NamedHunt
        @Option(help: "Time between runs from now on: 90s, 15m, 1h, 1d.")
        var interval: String?

        func run() throws {
            try HuntCommand.change(hunt, enabled: true, interval: interval, command: "hunt enable")
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop running a hunt; its matches stay.")

        @OptionGroup var hunt: NamedHunt

        func run() throws {
            try HuntCommand.change(hunt, enabled: false, interval: nil, command: "hunt disable")
        }
    }

    static func change(_ hunt: NamedHunt, enabled: Bool, interval: String?, command: String) throws {
        let (client, id) = try hunt.resolve(command: command)
        let query = [URLQueryItem(name: "enabled", value: "\(enabled)")]
            + (interval.map { [URLQueryItem(name: "interval", value: $0)] } ?? [])
        let changed = try client.object("PATCH", "/hunts/\(id)", query, command: command)
        let every = (changed["Interval"] as? Int).map { ", every \($0) s" } ?? ""
        say("hunt \(id): \(hunt.name): \(enabled ? "enabled" : "disabled")\(every)")
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a hunt and its matches.")

        @OptionGroup var hunt: NamedHunt

        func run() throws {
            let (client, id) = try hunt.resolve(command: "hunt remove")
            _ = try client.object("DELETE", "/hunts/\(id)", command: "hunt remove")
            say("hunt \(id): \(hunt.name): removed")
        }
    }
}

/// A hunt named on the command line, and the API that has it.
struct NamedHunt: ParsableArguments {
    @Argument(help: "The hunt's name.")
    var name: String
    @OptionGroup var endpoint: APIOptions

    /// The API and the id of the hunt called `name`.
    func resolve(command: String) throws -> (APIClient, Int) {
        let client = try endpoint.client()
        let list = try client.object("GET", "/hunts", command: command)
        guard let hunt = (list["Items"] as? [[String: Any]] ?? []).first(where: { $0["Name"] as? String == name }),
              let id = hunt["Id"] as? Int else {
            printError("netsift \(command): no hunt named \(name)")
            throw ExitCode(1)
        }
        return (client, id)
    }
}
