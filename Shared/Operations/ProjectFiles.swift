import Foundation

/// Finds files that ship with the project (the `ops/` scripts) and the
/// service executables built beside `netsift`.
public enum ProjectFiles {
    /// `relative` under `$NETSIFT_HOME`, else under the first ancestor of
    /// the running executable (symlinks resolved) that has it, else under
    /// the current directory.
    public static func locate(_ relative: String) -> String? {
        let fileManager = FileManager.default
        var candidates: [String] = []
        if let home = ProcessInfo.processInfo.environment["NETSIFT_HOME"], !home.isEmpty {
            candidates.append(home)
        }
        var directory = executableDirectory
        for _ in 0 ..< 6 {
            candidates.append(directory)
            directory = (directory as NSString).deletingLastPathComponent
        }
        candidates.append(fileManager.currentDirectoryPath)
        for base in candidates {
            let path = (base as NSString).appendingPathComponent(relative)
            if fileManager.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// The directory of the running executable, symlinks resolved.
    public static var executableDirectory: String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent
    }

    /// A service executable built beside this one (`netsift-storage`, ...).
    public static func serviceExecutable(_ name: String) throws(OperationsError) -> String {
        let path = (executableDirectory as NSString).appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw .missing(what: name, hint: "expected at \(path); build every product with `swift build`")
        }
        return path
    }
}
