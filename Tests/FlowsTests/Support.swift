import Capture
import CaptureDecoding
import Dissection
import Flows
import Foundation
import TestSupport
import Testing

/// A temporary file path, removed by the caller.
func temporaryPath(_ name: String) -> String {
    NSTemporaryDirectory() + "netsift-\(name)-\(UUID().uuidString).pcap"
}

