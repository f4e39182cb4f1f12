import Formats
import Foundation
import Wire

/// AppPacCap APPPACCAP: what this installation is.
public struct AppPacCapObject: Encodable, Sendable {
    public var Version = 1
    public var AppPacCap: String
    public var Licensed = 1
    public var LicenseType = "open source"
    public var MachineName: String
    public var OS: String
    public var MapData = 0
    public var Threat = 0
    public var Updated = 0

    public init(version: String) {
        AppPacCap = version
        MachineName = ProcessInfo.processInfo.hostName
        OS = ProcessInfo.processInfo.operatingSystemVersionString
    }
}

/// AppPacCap CAPTURE, plus NetSift's `Source`, `SensorId`, `Status` and the
/// `DTG*` times also as RFC 3339 strings (FILETIME integers exceed 2^53).
public struct CaptureObject: Encodable, Sendable {
    public var Version = 1
    public var CaptureId: UInt64
    public var ProcessId = 0
    public var Pid = 0
    public var Tid = 0
    public var Filter = ""
    public var TotalPackets: UInt64
    public var TotalBytes: UInt64
    public var DTGStart: Int64
    public var DTGStartText: String
    public var DTGEnd: Int64
    public var DTGEndText: String
    public var IsSystem = 1
    public var ModuleName = "System"
    public var Path = "System"
    public var ImgSrc = ""
    public var Notes = ""
    public var Source: String
    public var SensorId: String
    public var SensorName: String
    public var Status: String
    public var FailureReason: String?
    /// Chain of custody: the SHA-256 (hex) and size of the file the capture was read from; absent when live.
    public var Sha256: String?
    public var FileSize: UInt64?

    public init(_ capture: QueryMessage.Capture) {
        CaptureId = capture.id
        TotalPackets = capture.packets
        TotalBytes = capture.bytes
        let start = capture.firstPacket ?? capture.startedAt
        DTGStart = FileTime.from(nanoseconds: start)
        DTGStartText = Timestamp.rfc3339(start)
        if capture.status == "running" || capture.status == "abandoned" {
            DTGEnd = 0
            DTGEndText = ""
        } else {
            let end = capture.lastPacket ?? capture.endedAt ?? start
            DTGEnd = FileTime.from(nanoseconds: end)
            DTGEndText = Timestamp.rfc3339(end)
        }
        Source = capture.source
        SensorId = capture.sensorID.uuidString.lowercased()
        SensorName = capture.sensorName
        Status = capture.status
        FailureReason = capture.failureReason
        Sha256 = capture.file?.sha256
        FileSize = capture.file?.size
    }
}

/// AppPacCap STATSCAPTUREQUERY.
public struct StatsCaptureQueryObject: Encodable, Sendable {
    public var Version = 1
    public var TotalPackets: UInt64
    public var TotalBytes: UInt64
    public var TotalConnections: UInt64
    public var TotalProcesses = 0
    public var TotalIps: UInt64
    public var Ip4: UInt64
    public var Ip6: UInt64
    public var TCP: UInt64
    public var UDP: UInt64
    public var ICMP: UInt64

    public init(_ stats: QueryMessage.CaptureStats) {
        TotalPackets = stats.packets
        TotalBytes = stats.bytes
        TotalConnections = stats.flows
        TotalIps = stats.addresses
        Ip4 = stats.ipv4
        Ip6 = stats.ipv6
        TCP = stats.tcp
        UDP = stats.udp
        ICMP = stats.icmp
    }
}

/// AppPacCap STATSQUERY.
public struct StatsQueryObject: Encodable, Sendable {
    public var Version = 1
    public var Processes = 0
    public var Captures: UInt64
    public var LastCaptureId: UInt64
    public var ActiveVersion = 1
    public var Adapters: UInt64
    public var TotalPackets: UInt64
    public var TotalBytes: UInt64
    public var TotalConnections: UInt64

    public init(_ totals: QueryMessage.Totals) {
        Captures = totals.runningCaptures
        LastCaptureId = totals.lastCompleteCapture
        Adapters = totals.adapters
        TotalPackets = totals.packets
        TotalBytes = totals.bytes
        TotalConnections = totals.flows
    }
}

/// A list of objects (`Items`) with the id to continue after.
public struct ListObject<Item: Encodable & Sendable>: Encodable, Sendable {
    public var Version = 1
    public var Items: [Item]
    public var Returned: Int
    public var LastId: UInt64

    public init(items: [Item], lastID: UInt64) {
        Items = items
        Returned = items.count
        LastId = lastID
    }
}

/// A sensor (NetSift's own object: AppPacCap has none).
public struct SensorObject: Encodable, Sendable {
    public var Version = 1
    public var SensorId: String
    public var Name: String
    public var Captures: UInt64
    public var DTGCreated: Int64
    public var DTGCreatedText: String

    public init(_ sensor: QueryMessage.Sensor) {
        SensorId = sensor.id.uuidString.lowercased()
        Name = sensor.name
        Captures = sensor.captures
        DTGCreated = FileTime.from(nanoseconds: sensor.createdAt)
        DTGCreatedText = Timestamp.rfc3339(sensor.createdAt)
    }
}

/// AppPacCap NETADAPTER (its first IPv4 and IPv6 address), plus every
/// address, the reporting sensor, description and MTU.
public struct NetAdapterObject: Encodable, Sendable {
    public var Version = 1
    public var Name: String
    public var Up: Int
    public var MAC: String
    public var Ip4: String
    public var Ip6: String
    public var Ip4All: [String]
    public var Ip6All: [String]
    public var SensorId: String
    public var Description: String
    public var Mtu: Int?

    public init(_ adapter: QueryMessage.Adapter) {
        Name = adapter.name
        Up = adapter.isUp ? 1 : 0
        MAC = adapter.macAddress ?? ""
        Ip4 = adapter.ipv4.first ?? ""
        Ip6 = adapter.ipv6.first ?? ""
        Ip4All = adapter.ipv4
        Ip6All = adapter.ipv6
        SensorId = adapter.sensorID.uuidString.lowercased()
        Description = adapter.description
        Mtu = adapter.mtu
    }
}
