import Foundation
import ScoreKit
import ScoreKitCLI

extension ImageStudy {
    /// What a finished arm leaves in the output folder until the report is written, so that a study
    /// stopped part-way (killed, out of time) starts again at its first unfinished arm: the arm's
    /// measurements with what they depend on. The arms draw from generators fixed before any runs,
    /// and the bytes do not depend on the thread count, so a reused arm is the one a whole run measures.
    struct ArmRecord: Codable {
        /// Everything the arm's bytes depend on besides the build: the options as they resolve, the
        /// arm, and OpenBLAS's version and kernels (whose roundings differ between CPUs).
        let key: [String: String]
        let measured: [Measured]
    }

    /// The folder the records live in while the study runs; removed once the report is written.
    var recordsFolder: String { report.path("\(reportName)-arms") }

    func recordPath(_ index: Int, _ arm: Arm) -> String {
        (recordsFolder as NSString).appendingPathComponent("arm-\(index)-\(Self.fileName("\(arm.process) \(arm.objective)")).json")
    }

    func recordKey(_ index: Int, _ arm: Arm, setup: Setup) -> [String: String] {
        let kernels = BLAS.kernels
        return ["format": "image-study arm 1", "data": setup.images.name, "data folder": dataFolder ?? "",
                "train steps": "\(setup.steps)", "samples": "\(setup.sampleCount)", "fast": "\(setup.fast)", "seed": "\(setup.seed)",
                "blur noise": "\(blurNoise)", "blur levels": "\(blurLevels)", "network": "\(arm.configuration)",
                "arm": "\(index): \(arm.process) \(arm.objective); " + arm.samplers.map(\.name).joined(separator: "; "),
                "OpenBLAS": "\(kernels.version) \(kernels.core) on \(kernels.cpu.name)"]
    }

    /// The arm's measurements from an earlier run with the same key, or nil (saying why when a
    /// record is there but cannot be used: it is then measured again and replaced).
    func reusedArm(_ index: Int, _ arm: Arm, setup: Setup) -> [Measured]? {
        let path = recordPath(index, arm)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            let record = try ExactJSON.decode(ArmRecord.self, from: AtomicFile.read(path))
            let key = recordKey(index, arm, setup: setup)
            let differing = key.sorted { $0.key < $1.key }.filter { record.key[$0.key] != $0.value }
            guard differing.isEmpty else {
                let reasons = differing.map { "\($0.key) \(record.key[$0.key] ?? "missing") against \($0.value)" }
                printNow("\(path) was measured otherwise (\(reasons.joined(separator: "; "))): measuring the arm again")
                return nil
            }
            try check(record.measured, of: arm, setup: setup)
            printNow("\(arm.process) \(arm.objective): reusing the measurements in \(path)")
            return record.measured
        } catch {
            let reason = error is DecodingError ? "not a whole record" : "\(error)"
            printNow("\(path) cannot be used (\(reason)): measuring the arm again")
            return nil
        }
    }

    /// Refuses a record whose measurements the report could not have come from.
    func check(_ measured: [Measured], of arm: Arm, setup: Setup) throws {
        guard measured.count == arm.samplers.count else {
            throw InputError("\(measured.count) samplers' measurements for \(arm.samplers.count) samplers")
        }
        for m in measured {
            guard m.samples.rows == setup.sampleCount && m.samples.columns == setup.dimension else {
                throw InputError("samples of \(m.samples.rows) x \(m.samples.columns), not \(setup.sampleCount) x \(setup.dimension)")
            }
            guard m.evaluations >= 0, (0...m.samples.rows).contains(m.divergedSamples), (m.divergedSamples == 0) == (m.quality != nil) else {
                throw InputError("inconsistent counts (evaluations \(m.evaluations), diverged samples \(m.divergedSamples))")
            }
        }
    }

    func keep(_ measured: [Measured], _ index: Int, _ arm: Arm, setup: Setup) throws {
        try FileManager.default.createDirectory(atPath: recordsFolder, withIntermediateDirectories: true)
        try AtomicFile.write(ExactJSON.encode(ArmRecord(key: recordKey(index, arm, setup: setup), measured: measured)),
                             to: recordPath(index, arm))
    }
}
