import TestSupport
import Capture
import Foundation
import Testing

@Suite struct LiveReaderErrorTests {
    @Test func nonexistentInterfaceNamesIt() {
        let name = "nsnone\(getpid())"
        #expect {
            _ = try PcapLiveReader(interface: name, options: LiveCaptureOptions())
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            // Without root the packet socket is refused before the name is looked up.
            let reasonFits = !LiveEnvironment.isRoot || error.message.lowercased().contains("no such device")
            return error.kind == .open && error.path == name && error.description.contains(name) && reasonFits
        }
    }

    @Test(.enabled(if: LiveEnvironment.isRoot, LiveEnvironment.rootMessage))
    func badFilterIsAFilterError() {
        #expect {
            _ = try PcapLiveReader(interface: "lo", options: LiveCaptureOptions(filter: "udp port banana"))
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.kind == .filter && error.path == "lo" && !error.message.isEmpty
        }
    }

    @Test(.enabled(if: LiveEnvironment.isRoot, LiveEnvironment.rootMessage))
    func opensLoopbackWithNanosecondTimestamps() throws {
        let reader = try PcapLiveReader(interface: "lo", options: LiveCaptureOptions(filter: "udp port 9"))
        #expect(reader.interface == "lo")
        #expect(reader.linkType == .ethernet)
        #expect(reader.snapshotLength == 262_144)
        #expect(reader.warnings.isEmpty, "\(reader.warnings)")
        #expect(reader.statistics() != nil)
    }
}
