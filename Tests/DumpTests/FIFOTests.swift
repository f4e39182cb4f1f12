import Capture
import Dump
import Foundation
import Testing

/// A FIFO (or any file that is not regular) given as a capture is refused
/// at once: libpcap reading one would wait for a writer, then for data.
@Suite struct FIFOTests {
    @Test func aFIFOIsRefusedWithoutBeingOpened() throws {
        let dir = try DumpTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = try FIFO(dir + "/live.pcap")
        defer { fifo.release() }
        #expect {
            _ = try CaptureSource.files(at: fifo.path)
        } throws: { "\($0)".contains("it is a FIFO") }
        #expect {
            _ = try PcapFileReader(path: fifo.path)
        } throws: { "\($0)".contains("it is a FIFO") }
        #expect {
            _ = try DumpTests.run(fifo.path)
        } throws: { "\($0)".contains("it is a FIFO") }
    }

    @Test func aDirectorysFIFOIsSkipped() throws {
        let dir = try DumpTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DumpTests.writeCapture(DumpTests.conversation(), to: dir + "/a.pcap")
        let fifo = try FIFO(dir + "/b.pcap")
        defer { fifo.release() }
        let listing = try CaptureSource.files(at: dir)
        #expect(listing.captures == [dir + "/a.pcap"])
        #expect(listing.skipped == [fifo.path])
    }
}

/// A FIFO that code under test must not open. Should it be opened anyway,
/// a watchdog opens the other end after a few seconds and closes it, so the
/// reader sees an end of file and the test fails instead of hanging.
final class FIFO: Sendable {
    let path: String
    private let released = DispatchSemaphore(value: 0)

    init(_ path: String) throws {
        guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        self.path = path
        Thread.detachNewThread { [path, released] in
            guard released.wait(timeout: .now() + .seconds(5)) == .timedOut else { return }
            let fd = open(path, O_RDWR)
            if fd >= 0 { close(fd) }
        }
    }

    func release() { released.signal() }
}
