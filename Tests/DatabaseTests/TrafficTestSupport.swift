import Capture
import CaptureDecoding
import Database
import Flows
import Foundation
import PostgresClient
import Protocols
import Records
import TestSupport
import Testing

/// A database of its own on the suite's server, migrated, dropped afterwards.
let testSensor = SensorIdentity(id: UUID(uuidString: "5E550000-0000-4000-8000-000000000001") ?? UUID(), name: "test-sensor")

extension PostgresConnection {
    func int64(_ sql: String, _ parameters: [(any PostgresParameter)?] = []) throws -> Int64? {
        try query(sql, parameters).row(0)?.int64(0)
    }
}
