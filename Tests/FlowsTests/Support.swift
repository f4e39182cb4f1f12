import TestSupport
import Capture
import Decoding
import Dissection
import Flows
import Foundation
import Testing

/// A temporary file path, removed by the caller.
func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "netsift-\(name)-\(UUID().uuidString).pcap"
}

