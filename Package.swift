// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "NetSift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "netsift", targets: ["NetSift"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CPcap", path: "Shared/CPcap", pkgConfig: nil,
                       providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CZmq", path: "Shared/CZmq", pkgConfig: nil,
                       providers: [.apt(["libzmq3-dev"])]),
        .target(name: "Messaging", dependencies: ["CZmq", "Dissection", "Records"], path: "Shared/Messaging"),
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: nil,
                       providers: [.apt(["libpq-dev"])]),
        .target(name: "Store", dependencies: ["CLibPQ", "Records", "Dissection", "Flows", "Model"], path: "Shared/Store"),
        .target(name: "Records", dependencies: ["Dissection", "Flows", "Decoding", "Capture"], path: "Shared/Records"),
        .target(name: "Capture", dependencies: ["CPcap", "Dissection"], path: "Shared/Capture"),
        .target(name: "Model", path: "Shared/Model"),
        .target(name: "Dissection", path: "Shared/Dissection"),
        .target(name: "PcapStore", dependencies: ["Dissection", "Model"], path: "Shared/PcapStore"),
        .target(name: "Flows", dependencies: [
            "Dissection",
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Shared/Flows"),
        .target(name: "Decoding", dependencies: ["Capture", "Dissection", "Flows"], path: "Shared/Decoding"),
        .target(name: "Dump", dependencies: ["Decoding", "Model"], path: "Shared/Dump"),
        .target(name: "Sensor", dependencies: ["Capture", "Dissection", "Messaging"], path: "Shared/Sensor"),
        .target(name: "ServiceRuntime", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Shared/ServiceRuntime"),
        .executableTarget(name: "NetSift", dependencies: [
            "Dump",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Services/NetSift"),
        .target(name: "TestSupport", dependencies: ["Dissection", "Capture", "Flows", "Decoding"], path: "Tests/TestSupport"),
        .testTarget(name: "DissectionTests", dependencies: [
            "Dissection", "Capture", "TestSupport",
            .product(name: "PropertyBased", package: "swift-property-based"),
        ], path: "Tests/DissectionTests"),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "Decoding", "Capture", "TestSupport"], path: "Tests/FlowsTests"),
        .testTarget(name: "DumpTests", dependencies: ["Dump", "Capture", "Dissection", "Model", "TestSupport"], path: "Tests/DumpTests"),
        .testTarget(name: "MessagingTests", dependencies: [
            "Messaging", "Dissection", "Records", "Decoding", "Capture", "Flows", "TestSupport",
        ], path: "Tests/MessagingTests"),
        .testTarget(name: "SensorTests", dependencies: ["Sensor", "Messaging", "Capture", "Dissection", "TestSupport"],
                    path: "Tests/SensorTests"),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Records", "Decoding", "Capture", "Dissection", "Flows"],
                    path: "Tests/StoreTests"),
        .testTarget(name: "PcapStoreTests", dependencies: ["PcapStore", "Capture", "Dissection", "Model"], path: "Tests/PcapStoreTests"),
        .testTarget(name: "ServiceRuntimeTests", dependencies: [
            "ServiceRuntime",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], path: "Tests/ServiceRuntimeTests"),
        .testTarget(name: "ConformanceTests", dependencies: ["Decoding", "Dump", "Capture", "TestSupport"], path: "Tests/ConformanceTests"),
    ],
    swiftLanguageModes: [.v6]
)
