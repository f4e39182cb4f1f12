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
        .target(name: "Storage", dependencies: ["Store", "PcapStore", "Messaging", "Records", "Dissection", "Model",
                                                .product(name: "Logging", package: "swift-log")],
                path: "Shared/Storage"),
        .target(name: "Decoder", dependencies: ["Decoding", "Records", "Messaging", "Capture", "Dissection", "Flows",
                                                .product(name: "Logging", package: "swift-log")],
                path: "Shared/Decoder"),
        .target(name: "Operations", path: "Shared/Operations"),
        .target(name: "Sensor", dependencies: ["Capture", "Dissection", "Messaging"], path: "Shared/Sensor"),
        .executableTarget(name: "NetSift", dependencies: [
            "Dump",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Services/NetSift"),
        .target(name: "TestSupport", dependencies: ["Dissection", "Capture", "Flows", "Decoding", "Store"], path: "Tests/TestSupport"),
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
        .testTarget(name: "StoreTests", dependencies: ["Store", "Records", "Decoding", "Capture", "Dissection", "Flows", "TestSupport"],
                    path: "Tests/StoreTests"),
        .testTarget(name: "DecoderTests", dependencies: [
            "Decoder", "Sensor", "Messaging", "Records", "Capture", "Dissection", "TestSupport",
        ], path: "Tests/DecoderTests"),
        .testTarget(name: "PipelineTests", dependencies: [
            "Storage", "Decoder", "Sensor", "Store", "Messaging", "Records", "Capture", "Dissection", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/PipelineTests"),
        .testTarget(name: "PcapStoreTests", dependencies: ["PcapStore", "Capture", "Dissection", "Model"], path: "Tests/PcapStoreTests"),
        .testTarget(name: "LiveCaptureTests", dependencies: ["Capture", "Dissection", "TestSupport"],
                    path: "Tests/LiveCaptureTests"),
        .testTarget(name: "ConformanceTests", dependencies: ["Decoding", "Dump", "Capture", "TestSupport"], path: "Tests/ConformanceTests"),
    ],
    swiftLanguageModes: [.v6]
)
