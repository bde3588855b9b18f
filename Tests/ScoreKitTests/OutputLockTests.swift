import Foundation
import ScoreKit
import ScoreKitCLI
import Testing

/// Two runs never write one output folder at once: the second refuses, naming the first's
/// process id, and a lock left by a run that was killed blocks nothing.
@Suite(.serialized) struct OutputLockTests {
    static let quick = ["--train-steps", "2", "--hidden", "8", "--batch", "16", "--samples", "5", "--steps-per-level", "1",
                        "--eval-every", "0", "--threads", "1"]

    @Test func aSecondRunOnTheSameFolderRefusesNamingTheFirst() async throws {
        let folder = try DistributedTests.folder("locked")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // This test process is the first run: it holds the folder until it exits.
        try OutputPath.prepareFolder(folder)
        let refusal = await #expect(throws: RunFailure.self) {
            try await DistributedTests.run([DistributedTests.tool("train-dsm"), "--output", folder] + Self.quick)
        }
        #expect(refusal.map { "\($0)".contains("--output \(folder) is in use by process \(getpid())") } == true, "\(String(describing: refusal))")
        #expect(!FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("checkpoint.safetensors")))
        // The same process preparing its own folder again is not a second run.
        try OutputPath.prepareFolder(folder)
    }

    @Test func aKilledRunsLockFileBlocksNothing() async throws {
        let folder = try DistributedTests.folder("stale")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // What a run killed with -9 leaves: the lock file with its pid, and no lock held.
        try "999999\n".write(toFile: try OutputLock.file(for: folder), atomically: false, encoding: .utf8)
        _ = try await DistributedTests.run([DistributedTests.tool("train-dsm"), "--output", folder] + Self.quick)
        #expect(FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("checkpoint.safetensors")))
        // The run's folder holds its outputs only.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.hasPrefix(".") })
    }
}
