import Foundation

/// A value shared between a test and the threads it starts.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    var current: Value { lock.withLock { value } }

    func set(_ newValue: Value) { lock.withLock { value = newValue } }

    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&value) } }
}

/// A file in a fresh temporary directory, removed by `remove()`.
struct TemporaryFile {
    let path: String

    init(contents: String) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("netsift-runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("settings.json")
        try Data(contents.utf8).write(to: url)
        path = url.path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
}
