import Foundation

/// Where `POST /exports` writes capture files, and which names it answers
/// for: only the names it gives (`netsift-search-<ms>-<hex>.pcap` or
/// `.pcapng`), never a path.
public struct ExportDirectory: Sendable {
    /// An export on disk.
    struct File {
        var name: String
        var bytes: Int64
        var isPcapng: Bool { name.hasSuffix(".pcapng") }
    }

    public let path: String
    /// Space an export leaves free on its file system: it does not start
    /// below this, and stops (its partial file removed) when it would go
    /// below. The pcap store often shares the disk; capture must not starve.
    public let minimumFreeBytes: Int64

    public init(path: String, minimumFreeBytes: Int64 = 1 << 30) {
        self.path = path
        self.minimumFreeBytes = max(0, minimumFreeBytes)
    }

    /// An export refused or stopped for the space it must leave free.
    struct Full: Error, CustomStringConvertible {
        var free: Int64?
        var minimum: Int64

        init(_ directory: ExportDirectory) {
            free = directory.freeBytes()
            minimum = directory.minimumFreeBytes
        }

        var description: String {
            "the exports' disk has \(free.map { "\($0 >> 20)" } ?? "?") MiB free and exports leave "
                + "\(minimum >> 20) MiB (exports_min_free_mb): remove old exports or free space"
        }
    }

    /// Free bytes on the exports' file system; nil when it cannot be read.
    /// Free bytes on the exports' file system (the nearest existing
    /// directory's, before the first export creates it); nil when it cannot be read.
    func freeBytes() -> Int64? {
        var directory = URL(fileURLWithPath: path)
        while !FileManager.default.fileExists(atPath: directory.path), directory.pathComponents.count > 1 {
            directory.deleteLastPathComponent()
        }
        return (try? FileManager.default.attributesOfFileSystem(forPath: directory.path))?[.systemFreeSize]
            .flatMap { $0 as? NSNumber }?.int64Value
    }

    /// Whether `more` bytes can be written and leave `minimumFreeBytes`
    /// free (true when the free space cannot be read: the write then fails on its own).
    func hasRoom(for more: Int64) -> Bool {
        guard let free = freeBytes() else { return true }
        return free - more >= minimumFreeBytes
    }

    /// A new export's name: its UTC time and a random part, so names sort by time and never collide.
    func newName(pcapng: Bool, now: Date = Date()) -> String {
        let time = Int64(now.timeIntervalSince1970 * 1000)
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        return "netsift-search-\(time)-\(random)" + (pcapng ? ".pcapng" : ".pcap")
    }

    func path(for name: String) -> String { path + "/" + name }

    /// Where an export is written until it is complete (hidden from listings and downloads).
    func partialPath(for name: String) -> String { path + "/." + name + ".partial" }

    /// The export called `name`, if it is one.
    func file(named name: String) -> File? {
        guard Self.isExportName(name),
              let attributes = try? FileManager.default.attributesOfItem(atPath: path(for: name)),
              attributes[.type] as? FileAttributeType == .typeRegular,
              let size = attributes[.size] as? NSNumber else { return nil }
        return File(name: name, bytes: size.int64Value)
    }

    /// Every export, oldest first.
    func files() -> [File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().compactMap(file(named:))
    }

    func remove(_ file: File) throws {
        try FileManager.default.removeItem(atPath: path(for: file.name))
    }

    /// Removes the exports last written more than `maxAge` before `now`, and
    /// partial files as old (an export cut off by a crash); returns the names removed.
    @discardableResult
    public func removeExports(olderThan maxAge: Duration, now: Date = Date()) -> [String] {
        let cutoff = now.addingTimeInterval(-Double(maxAge.components.seconds))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { name in
            let export = Self.isExportName(name)
                || (name.hasPrefix(".") && name.hasSuffix(".partial") && Self.isExportName(String(name.dropFirst().dropLast(8))))
            guard export, let attributes = try? FileManager.default.attributesOfItem(atPath: path(for: name)),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let written = attributes[.modificationDate] as? Date, written < cutoff else { return false }
            return (try? FileManager.default.removeItem(atPath: path(for: name))) != nil
        }
    }

    static func isExportName(_ name: String) -> Bool {
        name.utf8.count <= 128 && name.hasPrefix("netsift-search-")
            && (name.hasSuffix(".pcap") || name.hasSuffix(".pcapng"))
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
    }
}
