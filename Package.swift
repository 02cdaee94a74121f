// swift-tools-version: 6.0
import PackageDescription

/// slalog: ingest → normalize → aggregate → report.
/// `ls Sources` shows the stages; C libraries are reached only through the
/// `C*` system-library targets, each used from one Swift file.
let package = Package(
    name: "slalog",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "slalog", targets: ["slalog"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        // Thin C modules: a modulemap and a shim header each, no logic.
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8", providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // glibc's mallopt, for the command's allocator settings (Sources/slalog/Allocator.swift).
        .systemLibrary(name: "CMalloc"),
        // The compiler's prefetch hint, for ByteInterner's batched lookups.
        .systemLibrary(name: "CPrefetch"),

        // Shared value types: instants, events, problems, interning.
        .target(name: "SLACore", dependencies: ["CPrefetch"]),
        // Stage 1: files → decompressed byte chunks → lines.
        .target(name: "Ingest", dependencies: ["SLACore", "CLZ4", "CZlib", "CZstd"]),
        // Stage 2: lines → events (PCRE2 rules, timestamps).
        .target(name: "Normalize", dependencies: ["SLACore", "CPCRE2"]),
        // Stage 3: events → ticket timelines → metrics → summaries.
        .target(name: "Aggregate", dependencies: ["CPrefetch", "SLACore"]),
        // Stage 4: summaries → CSV, HTML and Prometheus files, one atomic report set.
        .target(
            name: "Report",
            dependencies: ["SLACore", "Ingest", "Aggregate", .product(name: "Mustache", package: "swift-mustache")]),
        // The event store (--store): normalized events, strings and the manifest of what was read, in one SQLite file.
        .target(name: "Store", dependencies: ["SLACore", "Aggregate", "CSQLite"]),
        // The pipeline file: YAML → a validated definition (rules, policies, services, inputs, tests).
        .target(name: "Definition", dependencies: ["SLACore", "Ingest", "Normalize", "Aggregate", "Yams"]),
        // The run: wires the stages in parallel for a definition (also explain, events, rule tests).
        .target(name: "Pipeline", dependencies: ["CPrefetch", "SLACore", "Ingest", "Normalize", "Aggregate", "Report", "Definition", "Store"]),
        .executableTarget(name: "slalog", dependencies: [
            "Pipeline", "Definition", "SLACore", "Normalize", "Aggregate", "Report", "Store", "CMalloc",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fuzz targets (scripts/fuzz); a corpus replayer in normal builds.
        .executableTarget(name: "slalog-fuzz", dependencies: ["Pipeline", "Definition", "Ingest", "Normalize", "SLACore", "Store", "Aggregate"]),

        // Helpers shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SLACoreTests", dependencies: ["SLACore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "SLACore", "TestSupport"]),
        .testTarget(name: "NormalizeTests", dependencies: ["Normalize", "SLACore"]),
        .testTarget(name: "AggregateTests", dependencies: ["Aggregate", "SLACore", "TestSupport"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Aggregate", "SLACore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Definition", "Report", "SLACore", "Aggregate", "Store", "Ingest", "TestSupport"]),
    ]
)
