import Foundation

/// Runs another program and collects what it prints (used to drive Python peers and checks).
public enum Subprocess {
    /// Runs `arguments` (looked up on PATH) with extra environment variables; returns standard
    /// output, or throws a `RunFailure` with standard error when the exit status is not 0.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Standard error goes to a file, so a chatty child cannot block on a full pipe while
        // this side waits for its standard output.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-stderr-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            throw RunFailure("\(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(errors.suffix(2000))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
