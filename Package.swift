// swift-tools-version:6.0
import PackageDescription

import Foundation

/// Kernels are compiled optimised even in debug builds (the oracle tests run real networks) and for
/// the host CPU's SIMD width (AVX2/AVX-512 where present): `swift build -c release` picks this up.
/// `ENHANCE_MARCH` overrides the target (e.g. `x86-64-v3` builds the AVX2 kernels on an AVX-512
/// machine, for benchmarks); the micro-kernel shape follows it (`Sources/CVectorISA`).
let march = ProcessInfo.processInfo.environment["ENHANCE_MARCH"] ?? "native"
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-Xcc", "-march=\(march)"]),
]

/// SHA-256 uses the x86 SHA extensions when the CPU has them (checked at run time), so they are
/// enabled for that module whatever `-march=native` says.
#if arch(x86_64)
let shaFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-msha"], .when(platforms: [.linux]))]
#else
let shaFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "Enhance",
    // macOS 15: EnhanceTensor's thread pool uses `Synchronization.Atomic` (locks are EnhanceSync's
    // pthread-based `Locked`, which needs no particular OS version).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "enhance", targets: ["enhance"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // ONNX's protobuf (EnhanceONNX only; the generated Swift is committed, the plugin never built here).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // System libraries (Debian -dev packages). Each is imported by exactly one target.
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG",
                       providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw",
                       providers: [.apt(["libncurses-dev"])]),
        // C shim: libpng/libjpeg longjmp errors become return codes + messages.
        .target(name: "CImageIO", dependencies: ["CPNG", "CJPEG"]),

        .target(name: "EnhanceImaging", dependencies: ["CImageIO"], swiftSettings: kernelFlags),
        // Which vector ISA the kernels are compiled for (C preprocessor feature macros).
        .target(name: "CVectorISA", cSettings: [.unsafeFlags(["-march=\(march)"])]),
        // The one lock wrapper and cancellation token, below every target that runs threads.
        .target(name: "EnhanceSync"),
        .target(name: "EnhanceTensor", dependencies: ["CVectorISA", "EnhanceSync"], swiftSettings: kernelFlags),
        .target(name: "EnhanceCheckpoints", swiftSettings: kernelFlags + shaFlags),
        // ONNX models: the protobuf reader (generated from onnx.proto) and the graph interpreter.
        .target(name: "EnhanceONNX",
                dependencies: ["EnhanceSync", "EnhanceTensor", "EnhanceCheckpoints",
                               .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                swiftSettings: kernelFlags),
        .target(name: "EnhanceNetworks",
                dependencies: ["EnhanceSync", "EnhanceTensor", "EnhanceCheckpoints", "EnhanceImaging", "EnhanceONNX"],
                swiftSettings: kernelFlags),
        .target(name: "EnhanceBench",
                dependencies: ["EnhanceNetworks", "EnhanceTensor", "EnhanceCheckpoints", "EnhanceTUI",
                               "EnhanceImaging", "EnhanceTerminal"],
                swiftSettings: kernelFlags),
        .target(name: "EnhanceTerminal", dependencies: ["EnhanceImaging"], swiftSettings: kernelFlags),
        // The TUI core (state, update, view) knows engines only through its PreviewEngine protocol;
        // EnhanceTUIEngine adapts the networks to it.
        .target(name: "EnhanceTUI", dependencies: ["EnhanceSync", "EnhanceTerminal", "EnhanceImaging"]),
        .target(name: "EnhanceTUIEngine",
                dependencies: ["EnhanceTUI", "EnhanceNetworks", "EnhanceTensor", "EnhanceImaging"]),
        .target(name: "EnhanceNcurses", dependencies: ["EnhanceTUI", "EnhanceTerminal", "CNcursesw"]),
        .executableTarget(name: "enhance", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            "EnhanceImaging", "EnhanceTensor", "EnhanceCheckpoints", "EnhanceNetworks",
            "EnhanceTerminal", "EnhanceTUI", "EnhanceTUIEngine", "EnhanceNcurses", "EnhanceBench",
        ]),

        .testTarget(name: "EnhanceImagingTests", dependencies: ["EnhanceImaging"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EnhanceTensorTests", dependencies: ["EnhanceTensor", "EnhanceSync", "CVectorISA"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EnhanceCheckpointsTests", dependencies: ["EnhanceCheckpoints"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EnhanceONNXTests",
                    dependencies: ["EnhanceONNX", "EnhanceCheckpoints", "EnhanceTensor", "EnhanceNetworks"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EnhanceNetworksTests",
                    dependencies: ["EnhanceNetworks", "EnhanceCheckpoints", "EnhanceTensor", "EnhanceImaging"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "EnhanceTerminalTests", dependencies: ["EnhanceTerminal", "EnhanceImaging"]),
        .testTarget(name: "EnhanceTUITests", dependencies: ["EnhanceTUI", "EnhanceTerminal", "EnhanceImaging"]),
        .testTarget(name: "EnhanceTUIEngineTests",
                    dependencies: ["EnhanceTUIEngine", "EnhanceTUI", "EnhanceNetworks", "EnhanceImaging"]),
        .testTarget(name: "EnhanceCLITests", dependencies: ["EnhanceImaging"]),
        .testTarget(name: "EnhanceBenchTests", dependencies: ["EnhanceBench"]),
    ],
    swiftLanguageModes: [.v6]
)
