import Dispatch
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Another program run to completion through swift-subprocess, for the figure converter, the
/// Python peers and checks: its standard output, or a `RunFailure` carrying the end of its
/// standard error when it exits with a non-zero status.
public enum ExternalCommand {
    /// Runs `name` (looked up on PATH, or a path when it holds a "/") with `arguments`, with
    /// `environment` added to this process's own; returns its standard output (at most 16 MB).
    public static func output(of name: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        // A child's own OpenBLAS detects for itself, whatever this tool's launch chose for its own.
        let changes = KernelLaunch.childEnvironment.merging(environment.mapValues { Optional($0) }) { $1 }
        let added = Dictionary(uniqueKeysWithValues: changes.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
        let executable: Executable = name.contains("/") ? .path(FilePath(name)) : .name(name)
        let result = try await run(executable, arguments: Arguments(arguments), environment: .inherit.updating(added),
                                   output: .string(limit: 1 << 24), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess else {
            throw RunFailure("\(([name] + arguments).joined(separator: " ")) failed (\(result.terminationStatus)): \(result.standardError.suffix(2000))")
        }
        return result.standardOutput
    }

    /// The same for synchronous code: waits on the calling thread while the run goes on in a
    /// task. For the tools' main thread; never call it from a task (tests are async and await
    /// `output(of:_:environment:)` instead), where waiting could hold the thread the task needs.
    public static func waitForOutput(of name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        final class Outcome: @unchecked Sendable { var value: Result<String, any Error>? }
        let outcome = Outcome(), done = DispatchSemaphore(value: 0)
        Task.detached {
            do { outcome.value = .success(try await output(of: name, arguments, environment: environment)) } catch { outcome.value = .failure(error) }
            done.signal()
        }
        done.wait()
        return try outcome.value!.get()
    }
}
