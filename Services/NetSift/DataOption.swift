import ArgumentParser
import Foundation

/// `--data DIR`, shared by every subcommand that works on a deployment.
struct DataOption: ParsableArguments {
    @Option(name: .customLong("data"), help: "The deployment's data directory.")
    var directory: String = "./netsift-data"

    /// Absolute and standardised, so every process names it the same way.
    var path: String { URL(fileURLWithPath: directory).standardizedFileURL.path }
}

/// Standard error as a text stream.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}

func printError(_ text: String) {
    var stream = StandardError()
    print(text, to: &stream)
}

/// A line on standard output at once (print buffers when stdout is a file).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
