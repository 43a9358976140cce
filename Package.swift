// swift-tools-version:6.1
// Gatewyse — an OpenAI- and Anthropic-compatible AI gateway.
// The target graph is the architecture: see docs/ARCHITECTURE.md.
import PackageDescription

let package = Package(
    name: "gatewyse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatewyse", targets: ["gatewyse"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Unified model, errors, SSE, JSONValue, Secret. No I/O.
        .target(name: "GatewyseCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // ProviderAdapter protocol, catalog data, OpenAI-compatible adapter. No I/O.
        // swift-crypto for AWS SigV4 (Bedrock).
        .target(name: "GatewyseProviders", dependencies: [
            "GatewyseCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // RoutingStrategy (10), health, circuit breaker, retry policy, free tier, price book. No I/O.
        .target(name: "GatewyseRouting", dependencies: ["GatewyseCore"]),
        // Store protocols per domain, in-memory stores, configuration model. No driver.
        .target(name: "GatewyseStorage", dependencies: [
            "GatewyseCore",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The SQLite backend (embedded default). Only this target imports GRDB.
        .target(name: "GatewyseSQLite", dependencies: [
            "GatewyseStorage",
            .product(name: "GRDB", package: "GRDB.swift"),
            // The C API, for the usage insert's direct binding (SQLiteUsageBinder).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            "CSQLiteSetup",
        ]),
        // SQLite's process-wide settings (sqlite3_config is variadic, so C calls it; decisions/0031).
        .target(name: "CSQLiteSetup", dependencies: [.product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // The PostgreSQL backend (replicas sharing one database). Only this target imports PostgresNIO.
        .target(name: "GatewysePostgres", dependencies: [
            "GatewyseStorage",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libargon2 (Debian libargon2-dev) for Argon2id password hashing (ARCHITECTURE §8).
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // Inference pipeline, route planning and execution. Talks to upstreams through UpstreamTransport.
        // Accounts (passwords, admin sessions, the master key) live here too: no HTTP, no NIO.
        .target(name: "GatewyseEngine", dependencies: [
            "GatewyseCore", "GatewyseProviders", "GatewyseRouting", "GatewyseStorage", "CArgon2",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Yams", package: "Yams"),
        ]),
        // The only target that imports Hummingbird and does network I/O (NIO upstream client).
        .target(name: "GatewyseServer", dependencies: [
            "GatewyseEngine", "GatewyseRouting", "GatewyseSQLite", "GatewysePostgres",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
        ], resources: DashboardAssets.files.map { .embedInCode("Dashboard/Assets/\($0)") }),
        .executableTarget(name: "gatewyse", dependencies: [
            "GatewyseServer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Mock upstreams (raw SwiftNIO so they can misbehave on purpose) and test helpers.
        .target(name: "GatewyseTesting", dependencies: [
            "GatewyseServer",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .executableTarget(name: "gatewyse-mock", dependencies: ["GatewyseTesting"]),
        // Route-planning microbenchmark (make bench-routing).
        .executableTarget(name: "gatewyse-bench-routing", dependencies: ["GatewyseEngine", "GatewyseRouting"]),
        // The usage observer's cost per request (docs/decisions/0011).
        .executableTarget(name: "gatewyse-bench-usage", dependencies: ["GatewyseEngine", "GatewyseStorage", "GatewyseSQLite"]),
        // Decoding a client's chat body (parse, unified request, verbatim bytes): make bench-wire.
        .executableTarget(name: "gatewyse-bench-wire", dependencies: ["GatewyseCore", "GatewyseProviders"]),
        // libFuzzer harnesses for the parsers outsiders feed (tests/fuzz/run.sh, make fuzz); an
        // ordinary build makes the same harnesses a replayer of saved inputs.
        .executableTarget(name: "gatewyse-fuzz", dependencies: ["GatewyseCore", "GatewyseProviders", "GatewyseEngine"]),
        .testTarget(name: "GatewyseRoutingTests", dependencies: ["GatewyseRouting"]),
        .testTarget(name: "GatewyseTests", dependencies: [
            "GatewyseTesting", "GatewyseServer", "GatewyseRouting", "GatewysePostgres", "GatewyseSQLite",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], exclude: ["Fixtures"]),
    ]
)

/// The admin dashboard's files, embedded in the binary as byte arrays (docs/decisions/0021):
/// `DashboardAssetTable` in GatewyseServer lists the same names with their content types.
enum DashboardAssets {
    static let files = [
        "index.html", "app.css", "app.js", "api.js", "ui.js", "charts.js",
        "page-signin.js", "page-overview.js", "page-providers.js", "page-routes.js", "page-keys.js", "page-budgets.js",
        "page-usage.js", "page-audit.js", "page-users.js", "page-playground.js", "page-feed.js", "page-models.js",
        "page-organizations.js", "page-roles.js", "page-settings.js", "page-account.js",
    ]
}
