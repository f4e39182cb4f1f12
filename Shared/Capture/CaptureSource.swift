import Foundation

/// What `netsift dump FILE|DIR` and the sensor read: one file, or the
/// capture files of a directory in name order, each its own capture.
public enum CaptureSource {
    public struct Listing: Sendable {
        public var captures: [String]
        /// Directory entries that are not pcap or pcapng files.
        public var skipped: [String]
    }

    /// A FIFO, socket or device is refused (a file) or skipped (in a
    /// directory) without being opened: reading one would block.
    public static func files(at path: String) throws(CaptureError) -> Listing {
        switch PathKind(path: path) {
        case nil: throw CaptureError(kind: .open, path: path, message: "no such file or directory")
        case .regular: return Listing(captures: [path], skipped: [])
        case .directory: break
        case let kind?: throw kind.refusal(path)
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw CaptureError(kind: .open, path: path, message: "\(error)")
        }
        var listing = Listing(captures: [], skipped: [])
        for name in names.sorted() where !name.hasPrefix(".") {
            let full = (path as NSString).appendingPathComponent(name)
            switch PathKind(path: full) {
            case .regular where isCaptureFile(full): listing.captures.append(full)
            case .regular, .other: listing.skipped.append(full)
            case .directory, nil: continue
            }
        }
        return listing
    }

    /// pcap (either byte order, micro- or nanosecond) or pcapng, by magic.
    static func isCaptureFile(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 4))
        guard head.count == 4 else { return false }
        let magic = UInt32(head[0]) << 24 | UInt32(head[1]) << 16 | UInt32(head[2]) << 8 | UInt32(head[3])
        return [0xa1b2_c3d4, 0xd4c3_b2a1, 0xa1b2_3c4d, 0x4d3c_b2a1, 0x0a0d_0d0a].contains(magic)
    }
}
