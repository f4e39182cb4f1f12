// swift-tools-version:6.1
import PackageDescription

/// One folder per application protocol under Shared/Protocols
/// (docs/PROTOCOLS.md). A folder's `<Name>Events.swift` (its dataset: wire
/// code, events table columns, query names) builds into Events, which the
/// wire, storage, search and the gateway link; the rest of the folder (its
/// parser, sessions and descriptor) into Protocols, which only the decoder
/// and `netsift dump` link.
let protocolFolders = ["DNS", "HTTP", "TLS", "DHCP", "ICMP"]
let datasetFiles = protocolFolders.map { "\($0)/\($0)Events.swift" }

let package = Package(
    name: "NetSift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "netsift", targets: ["NetSift"]),
        .executable(name: "netsift-storage", targets: ["NetSiftStorage"]),
        .executable(name: "netsift-decoder", targets: ["NetSiftDecoder"]),
        .executable(name: "netsift-sensor", targets: ["NetSiftSensor"]),
        .executable(name: "netsift-search", targets: ["NetSiftSearch"]),
        .executable(name: "netsift-gateway", targets: ["NetSiftGateway"]),
        // The decoding core as a library, for ops/fuzz.
        .library(name: "NetSiftDecoding", targets: ["Dissection", "Capture", "Flows", "CaptureDecoding", "Protocols"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "CPcap", path: "Shared/CPcap", pkgConfig: nil,
                       providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZmq", path: "Shared/CZmq", pkgConfig: nil,
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CZlib", path: "Shared/CZlib", pkgConfig: nil,
                       providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Messaging", dependencies: ["CZmq", "Wire", .product(name: "Logging", package: "swift-log")],
                path: "Shared/Messaging"),
        .target(name: "Wire", dependencies: ["Auth", "Dissection", "Flows", "Records", "Events"], path: "Shared/Wire"),
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: nil,
                       providers: [.apt(["libpq-dev"])]),
        .target(name: "PostgresClient", dependencies: ["CLibPQ"], path: "Shared/PostgresClient"),
        .target(name: "Database", dependencies: ["PostgresClient", "Auth", "Records", "Dissection", "Formats", "Events"],
                path: "Shared/Database"),
        .target(name: "Records", dependencies: ["Dissection", "Flows", "Events", "Formats"], path: "Shared/Records"),
        .target(name: "Capture", dependencies: ["CPcap", "Dissection"], path: "Shared/Capture"),
        .target(name: "Formats", path: "Shared/Formats"),
        .target(name: "Dissection", path: "Shared/Dissection"),
        .target(name: "PcapStore", dependencies: ["Dissection", "Formats"], path: "Shared/PcapStore"),
        .target(name: "Flows", dependencies: [
            "Dissection",
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Shared/Flows"),
        .target(name: "CaptureDecoding", dependencies: ["Capture", "Dissection", "Flows", "Protocols", "Records"],
                path: "Shared/CaptureDecoding"),
        .target(name: "Dump", dependencies: ["Flows", "Dissection", "Capture", "CaptureDecoding", "Formats", "Protocols", "Records"], path: "Shared/Dump"),
        .target(name: "Storage", dependencies: ["Database", "PostgresClient", "PcapStore", "Messaging", "Wire", "Records",
                                                "Dissection", "Formats",
                                                .product(name: "Logging", package: "swift-log")],
                path: "Shared/Storage"),
        .target(name: "Decoder", dependencies: ["CaptureDecoding", "Records", "Messaging", "Wire", "Capture", "Dissection", "Protocols", .product(name: "Logging", package: "swift-log")],
                path: "Shared/Decoder"),
        .target(name: "Operations", dependencies: ["Configurations"], path: "Shared/Operations"),
        // The services' settings as values: no dependencies, so `netsift up` links no service engine.
        .target(name: "Configurations", path: "Shared/Configurations"),
        .target(name: "Events", path: "Shared/Protocols", sources: ["Events"] + datasetFiles),
        .target(name: "Protocols", dependencies: [
            "Dissection", "Events", "CZlib",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "X509", package: "swift-certificates"),
        ], path: "Shared/Protocols", exclude: ["Events"] + datasetFiles),
        .target(name: "Gateway", dependencies: [
            "Auth", "Configurations", "Messaging", "Wire", "Formats", "PcapStore", "Dissection", "Events",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "_NIOFileSystem", package: "swift-nio"),
        ], path: "Shared/Gateway"),
        .target(name: "QueryLanguage", dependencies: ["Dissection", "Events", "Formats"], path: "Shared/QueryLanguage"),
        .target(name: "Search", dependencies: [
            "Auth", "Database", "PostgresClient", "Messaging", "Wire", "QueryLanguage", "Events", "Formats",
            "PcapStore", "Dissection",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Shared/Search"),
        .target(name: "Auth", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Shared/Auth"),
        .target(name: "Sensor", dependencies: ["Capture", "Configurations", "Dissection", "Messaging", "Wire",
                                              .product(name: "Crypto", package: "swift-crypto"),
                                              .product(name: "Logging", package: "swift-log")],
                path: "Shared/Sensor"),
        .target(name: "ServiceRuntime", dependencies: [
            "Configurations",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Shared/ServiceRuntime"),
        .executableTarget(name: "NetSift", dependencies: [
            "Dump", "Protocols", "Events", "Operations", "Sensor", "Messaging", "Wire", "Capture", "ServiceRuntime", "Auth",
            "Database", "PostgresClient", "Formats", "QueryLanguage",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Services/NetSift"),
        .executableTarget(name: "NetSiftStorage", dependencies: [
            "Storage", "Configurations", "Messaging", "Wire", "ServiceRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Services/NetSiftStorage"),
        .executableTarget(name: "NetSiftDecoder", dependencies: [
            "Decoder", "Configurations", "CaptureDecoding", "Flows", "Messaging", "Wire", "Protocols", "ServiceRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Services/NetSiftDecoder"),
        .executableTarget(name: "NetSiftSensor", dependencies: [
            "Sensor", "Capture", "Configurations", "Messaging", "Wire", "Operations", "ServiceRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Services/NetSiftSensor"),
        .executableTarget(name: "NetSiftSearch", dependencies: [
            "Search", "Configurations", "Messaging", "Wire", "ServiceRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Services/NetSiftSearch"),
        .executableTarget(name: "NetSiftGateway", dependencies: [
            "Gateway", "Configurations", "Messaging", "Wire", "ServiceRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
        ], path: "Services/NetSiftGateway"),
        .target(name: "TestSupport", dependencies: [
            "Dissection", "Capture", "Flows", "CaptureDecoding", "Database", "PostgresClient", "PcapStore", "Formats",
            "Protocols", "Records",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], path: "Tests/TestSupport"),
        .testTarget(name: "DissectionTests", dependencies: [
            "Dissection", "Capture", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], path: "Tests/DissectionTests"),
        .testTarget(name: "FlowsTests", dependencies: ["Dissection", "Flows", "CaptureDecoding", "Capture", "TestSupport"], path: "Tests/FlowsTests"),
        .testTarget(name: "DumpTests", dependencies: ["Events", "Dump", "Protocols", "Capture", "Dissection", "Formats", "Records",
                                                     "TestSupport"],
                    path: "Tests/DumpTests"),
        .testTarget(name: "MessagingTests", dependencies: [
            "Protocols", "Events",
            "Messaging", "Wire", "Dissection", "Records", "CaptureDecoding", "Capture", "Flows", "TestSupport",
        ], path: "Tests/MessagingTests"),
        .testTarget(name: "SensorTests", dependencies: [
            "Sensor", "Configurations", "Messaging", "Wire", "Capture", "Dissection", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ],
                    path: "Tests/SensorTests"),
        .testTarget(name: "DatabaseTests", dependencies: [
            "Events", "Database", "PostgresClient", "Formats", "Records", "CaptureDecoding", "Capture", "Dissection", "Flows",
            "Protocols", "TestSupport",
        ],
                    path: "Tests/DatabaseTests"),
        .testTarget(name: "DecoderTests", dependencies: [
            "Decoder", "Sensor", "Wire", "Records", "Capture", "Dissection", "Dump", "PostgresClient", "TestSupport",
        ], path: "Tests/DecoderTests"),
        .testTarget(name: "AuthTests", dependencies: ["Auth", "Database", "PostgresClient", "TestSupport"], path: "Tests/AuthTests"),
        .testTarget(name: "NetSiftCLITests", dependencies: [
            "Auth",
            "NetSift", "Formats", "ServiceRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tests/NetSiftCLITests"),
        .testTarget(name: "QueryLanguageTests", dependencies: [
            "Formats", "QueryLanguage", "Database", "PostgresClient", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], path: "Tests/QueryLanguageTests"),
        .testTarget(name: "SearchTests", dependencies: [
            "Search", "Configurations", "Database", "Events", "Formats", "PcapStore", "PostgresClient", "Records", "Wire",
            "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/SearchTests"),
        .testTarget(name: "GatewayTests", dependencies: [
            "QueryLanguage", "Gateway", "Configurations", "Messaging", "Wire", "PcapStore", "Dissection", "Formats", "Auth",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ], path: "Tests/GatewayTests"),
        .testTarget(name: "ProtocolsTests", dependencies: [
            "Events", "Protocols", "Capture", "CaptureDecoding", "Dissection", "Flows", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], path: "Tests/ProtocolsTests"),
        .testTarget(name: "SystemTests", dependencies: ["Search", "PostgresClient", "Capture", "Gateway", "TestSupport"],
                    path: "Tests/SystemTests"),
        .testTarget(name: "PipelineTests", dependencies: [
            "CaptureDecoding", "Storage", "Database", "Decoder", "Sensor", "PostgresClient", "Messaging", "Wire", "Records", "Capture",
            "Search", "QueryLanguage", "PcapStore", "Dissection", "Formats", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/PipelineTests"),
        .testTarget(name: "PcapStoreTests", dependencies: ["PcapStore", "Capture", "Dissection", "Formats"], path: "Tests/PcapStoreTests"),
        .testTarget(name: "LiveCaptureTests", dependencies: ["Capture", "Dissection", "TestSupport"],
                    path: "Tests/LiveCaptureTests"),
        .testTarget(name: "ServiceRuntimeTests", dependencies: [
            "ServiceRuntime", "Configurations",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tests/ServiceRuntimeTests"),
        .testTarget(name: "OperationsTests", dependencies: ["Operations", "Configurations", "ServiceRuntime"],
                    path: "Tests/OperationsTests"),
        .testTarget(name: "ConfigurationsTests", dependencies: ["Configurations", "Capture", "Events", "Flows", "Protocols"],
                    path: "Tests/ConfigurationsTests"),
        .testTarget(name: "NetSiftDecoderTests", dependencies: ["NetSiftDecoder", "Configurations", "Decoder", "Protocols"],
                    path: "Tests/NetSiftDecoderTests"),
        .testTarget(name: "ConformanceTests", dependencies: ["Flows", "Dissection", "CaptureDecoding", "Capture", "TestSupport"], path: "Tests/ConformanceTests"),
    ],
    swiftLanguageModes: [.v6]
)
