// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for NetSift's parsers; `ops/fuzz/run` builds and runs them.
let decoding = Target.Dependency.product(name: "NetSiftDecoding", package: "NetSift")

let package = Package(
    name: "NetSiftFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "NetSift", path: "../..")],
    targets: [
        .target(name: "FuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["FuzzDriver", decoding]),
        .executableTarget(name: "FuzzDNS", dependencies: ["FuzzSupport", decoding]),
        .executableTarget(name: "FuzzDHCP", dependencies: ["FuzzSupport", decoding]),
        .executableTarget(name: "FuzzTLS", dependencies: ["FuzzSupport", decoding]),
        .executableTarget(name: "FuzzHTTP", dependencies: ["FuzzSupport", decoding]),
        .executableTarget(name: "FuzzICMP", dependencies: ["FuzzSupport", decoding]),
        .executableTarget(name: "FuzzTCP", dependencies: ["FuzzSupport", decoding]),
        .executableTarget(name: "FuzzDissector", dependencies: ["FuzzSupport", decoding]),
        .executableTarget(name: "FuzzEngine", dependencies: ["FuzzSupport", decoding]),
    ],
    swiftLanguageModes: [.v6]
)
