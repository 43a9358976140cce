import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

// Run Swift concurrency on NIO's event loops instead of the default global executor: request
// handlers then continue on the threads that own the sockets, without a thread hop per await
// (measured in docs/decisions/0003-nio-global-executor.md). Must run before any async code,
// which is why this is main.swift and not `@main`.
// GATEWYSE_NIO_EXECUTOR=0 keeps the default executor, for comparison runs.
if getenv("GATEWYSE_NIO_EXECUTOR").map({ String(cString: $0) }) != "0" {
    _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}

// Dispatch on the concrete command types: through an existential, Swift picks
// ParsableCommand's synchronous `run()`, which only prints help.
do {
    var command = try GatewyseCommand.parseAsRoot()
    switch command {
    case let serve as Serve: try await serve.start()
    case let create as Keys.Create: try await create.start()
    case let list as Keys.List: try await list.start()
    case let rotate as Keys.RotateMaster: try await rotate.start()
    case let migrate as Migrate: try await migrate.start()
    case let create as Admin.Create: try await create.start()
    case let verify as Audit.Verify: try await verify.start()
    default: try command.run()
    }
} catch {
    GatewyseCommand.exit(withError: error)
}
