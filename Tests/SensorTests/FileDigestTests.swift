import Foundation
import Sensor
import TestSupport
import Testing
import Wire

@Suite struct FileDigestTests {
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "netsift-digest-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// FIPS 180-2's vectors, and a file of several reads against sha256sum.
    @Test func sha256AndSizeOfTheWholeFile() throws {
        let vectors: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Array(repeating: UInt8(ascii: "a"), count: 1_000_000),
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ]
        for (bytes, expected) in vectors {
            let path = try Self.file(bytes)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(FileDigest.reading(path: path) == FileDigest(sha256: expected, size: UInt64(bytes.count)))
        }
        let large = (0 ..< (5 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 3) }
        let path = try Self.file(large)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let digest = try #require(FileDigest.reading(path: path))
        #expect(digest.size == UInt64(large.count))
        if let truth = sha256sum(path) { #expect(digest.sha256 == truth) }
        #expect(FileDigest.reading(path: path + ".absent") == nil)
    }

    /// `NETSIFT_DIGEST_BENCH_FILE=FILE`: prints how long hashing that file takes.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["NETSIFT_DIGEST_BENCH_FILE"] != nil))
    func hashingCost() throws {
        let path = try #require(ProcessInfo.processInfo.environment["NETSIFT_DIGEST_BENCH_FILE"])
        let clock = ContinuousClock()
        var digest: FileDigest?
        let took = clock.measure { digest = FileDigest.reading(path: path) }
        let size = Double(digest?.size ?? 0)
        let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
        print("sha256 of \(path): \(digest?.sha256 ?? "none"), \(Int(size)) bytes in \(took), \(size / seconds / 1e6) MB/s")
    }
}
