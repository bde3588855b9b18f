import ArgumentParser
import Foundation
import ScoreKit
import ScoreKitCLI
import ScoreKitMPI

@main
struct Bench: ScoreKitCommand {
    static let renamedOptions = [(old: "--quick", new: "--fast")]

    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the reference workloads of docs/WORKLOADS.md against the machine's SGEMM bound.",
        discussion: """
            For each workload and thread count: the median rate over the repetitions (and its range), \
            useful GFLOP/s, and the GEMM bound: the rate the step would reach if it did nothing but its \
            matrix products, timed in this run through the same gemm wrapper at the same shapes and \
            thread count. Build with -c release.
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Workloads to run (default: all): \(Workload.names).")
    var workloads: [String] = Workload.all.map(\.name)

    @Option(name: .long, parsing: .upToNextOption,
            help: "Thread counts, each a number or auto (the tools' default, which follows the load; default: 1, all cores and auto).")
    var threads: [ThreadCount] = Array(Set([1, ProcessInfo.processInfo.activeProcessorCount])).sorted().map { .fixed($0) } + [.automatic]

    @Option(name: .long, help: "Repetitions per measurement; the median is reported.")
    var repetitions = 5

    @Option(name: .long, help: "Seconds each repetition lasts at least.")
    var seconds = 2.0

    @Flag(name: [.customLong("fast"), .customLong("quick")], help: "Smoke run for CI: 1 repetition of 0.2 s (--quick is the old spelling).")
    var fast = false

    @Flag(name: .long, help: "Instead of the workloads, time each of their matrix products alone (GFLOP/s per shape).")
    var products = false

    @Flag(name: .long, help: "Instead of the workloads, split the U-Net workloads' steps by layer kind: each kind's seconds against its products timed alone.")
    var profile = false

    @Flag(name: .long, help: "Instead of the workloads, time the elementwise kernels (ns per element).")
    var kernels = false

    @Flag(name: .long, help: "Instead of the workloads, time the all-reduce of each training workload's gradients; run under mpirun -np N.")
    var allReduce = false

    @Flag(name: .long, help: "Also run the peers, interleaved, after checking they compute the same losses: JAX (scripts/peers/setup.sh installs it) and, for the U-Net, PyTorch when installed (setup.sh --torch).")
    var peers = false

    @Flag(name: .long, help: "Also time each workload's GEMM bound on every OpenBLAS kernel type this CPU runs (Cooperlake, SkylakeX, Haswell, ..., Prescott), each in its own process.")
    var kernelsCompare = false

    @Flag(name: .long, help: .hidden)
    var gemmBounds = false

    @Option(name: .long, help: "The Python of the peers' environment.")
    var python = ".build-peers/venv/bin/python"

    @Option(name: .long, help: "Also write the results as JSON to this file.")
    var json: String?

    func validate() throws {
        let known = Set(Workload.all.map(\.name))
        if let unknown = workloads.first(where: { !known.contains($0) }) {
            throw ValidationError("unknown workload '\(unknown)'; known: \(Workload.all.map(\.name).joined(separator: ", "))")
        }
        let profiled = Workload.all.filter { $0.configuration is UNetConfiguration }.map(\.name)
        if profile && !workloads.contains(where: profiled.contains) {
            throw ValidationError("--profile splits the U-Net workloads (\(profiled.joined(separator: ", "))), and --workloads names none of them")
        }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func execute() throws {
        if let json { try OutputPath.prepareFile(json, extension: "json", option: "--json") }
        let reps = fast ? 1 : repetitions, minimum = fast ? 0.2 : seconds
        let selected = Workload.all.filter { workloads.contains($0.name) }
        let fixedCounts = Array(Set(threads.map { setting -> Int in
            if case .fixed(let count) = setting { return count }
            return ProcessInfo.processInfo.activeProcessorCount
        })).sorted()
        if gemmBounds { return printNow(try KernelComparison.measure(selected, threads: fixedCounts, repetitions: reps, seconds: minimum)) }
        printNow("bench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(reps) repetition(s) of at least \(minimum) s each, "
                 + InstructionSet.summary)
        printNow(BLAS.kernels.summary)
        if products { return reportProducts(minimumSeconds: minimum) }
        if profile { return try reportProfile(minimumSeconds: minimum) }
        if kernels { return KernelTimer.report(minimumSeconds: minimum) }
        if !allReduce { try SingleProcess.require("bench (but for --all-reduce)") }
        if allReduce {
            AllReduceTimer.report(Workload.all.filter { workloads.contains($0.name) }, calls: fast ? 5 : 50)
            return ProcessGroup.world.finish()
        }
        let active = peers ? try activePeers(selected) : []
        printNow(row(["workload", "threads", "rate (median)", "min-max", "GFLOP/s", "GEMM bound", "of bound", "BLAS"]
                     + active.flatMap { [$0.title, "engine/\($0.name)"] }))
        var results: [[String: Any]] = []
        let weightsFolder = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: weightsFolder) }
        for workload in selected {
            let weights = active.isEmpty ? nil : try Self.peerWeights(workload, folder: weightsFolder)
            for setting in threads {
                let governor = ThreadGovernor.shared
                governor.start(setting)
                let engine = try (0..<reps).map { _ in try Self.engineRate(workload, minimumSeconds: minimum, governor: governor) }.sorted()
                // auto's row: the count it used longest, and the bound at that count.
                let count = governor.mainCount, label = setting == .automatic ? "auto: \(count)" : "\(count)"
                BLAS.threadCount = count
                let bound = (0..<reps).map { _ in GemmTimer.boundRate(workload, minimumSeconds: minimum / 4) }.sorted()
                let median = engine[reps / 2], boundMedian = bound[reps / 2]
                let stepsPerSecond = workload.isSampler ? median / Double(workload.batch) : median
                let gflops = stepsPerSecond * workload.flopsPerStep / 1e9
                // A peer has no governor: it runs at fixed thread counts only.
                let peerRates = try active.map { peer in
                    peer.implements(workload) && setting != .automatic
                        ? try peer.rate(workload, weights: weights, threads: count, repetitions: reps, seconds: minimum) : nil
                }
                printNow(row([workload.name, label, Self.format(median) + " " + workload.unit,
                              Self.format(engine.first!) + "-" + Self.format(engine.last!),
                              String(format: "%.1f", gflops), Self.format(boundMedian),
                              String(format: "%.2f", median / boundMedian), BLAS.kernels.core]
                             + peerRates.flatMap { rate in rate.map { [Self.format($0), String(format: "%.2f", median / $0)] } ?? ["-", "-"] }))
                var result: [String: Any] = ["workload": workload.name, "threads": setting.description, "thread_count": count, "unit": workload.unit,
                                             "median": median, "min": engine.first!, "max": engine.last!,
                                             "gflops": gflops, "gemm_bound": boundMedian, "fraction_of_bound": median / boundMedian,
                                             "blas_kernels": BLAS.kernels.core]
                for (peer, rate) in zip(active, peerRates) { result[peer.framework.rawValue] = rate }
                results.append(result)
            }
        }
        for setting in threads {
            let count = setting.description
            let rates = Dictionary(uniqueKeysWithValues: results.filter { $0["threads"] as? String == count }
                .map { ($0["workload"] as! String, $0["median"] as! Double) })
            if let ssm = rates["ssm-toy"], let dsm = rates["dsm-toy"] {
                printNow(String(format: "ssm-toy step = %.2f dsm-toy steps (threads %@)", dsm / ssm, count))
            }
            // The sampler's own work per evaluation (update, noise, schedule) against the same network alone.
            if let network = rates["score-toy"] {
                for name in ["ddpm-toy", "ddim-toy", "ode-toy"] {
                    guard let rate = rates[name] else { continue }
                    printNow(String(format: "%@: %.1f%% of a step outside the network (threads %@)", name, 100 * (1 - rate / network), count))
                }
            }
            if let ddpm = rates["ddpm-toy"], let langevin = rates["langevin-toy"] {
                printNow(String(format: "a DDPM step costs %.2f annealed-Langevin steps (threads %@)", langevin / ddpm, count))
            }
        }
        let kernelBounds = kernelsCompare
            ? try KernelComparison.report(selected, threads: fixedCounts, repetitions: reps, seconds: minimum) : []
        if let json {
            try JSONReport.write(["results": results, "openblas": BLAS.kernels.fields, "kernel_bounds": kernelBounds], to: json)
            printNow("wrote \(json)")
        }
    }

    /// Each product of each selected workload alone: where the GEMM time of a step goes.
    func reportProducts(minimumSeconds: Double) {
        for workload in Workload.all where workloads.contains(workload.name) {
            for setting in threads {
                ThreadGovernor.shared.start(setting)
                printNow("\(workload.name), \(BLAS.threadCount) thread(s) (\(setting)):")
                let layers = Self.layerBounds(workload, minimumSeconds: minimumSeconds / 4, printing: true)
                guard layers.count > 1 else { continue }
                let total = layers.reduce(0) { $0 + $1.seconds }
                for layer in layers {
                    printNow("  " + layer.kind.padding(toLength: 12, withPad: " ", startingAt: 0)
                             + String(format: "%5.1f%% of the step's GEMM time, %7.1f GFLOP/s", 100 * layer.seconds / total, layer.flops / layer.seconds / 1e9))
                }
            }
        }
    }

    /// Per layer kind, in the order the step first issues it: the seconds and FLOPs of its products
    /// in one step, each distinct product timed alone (and printed, with `printing`).
    static func layerBounds(_ workload: Workload, minimumSeconds: Double, printing: Bool) -> [(kind: String, seconds: Double, flops: Double)] {
        var layers: [(kind: String, seconds: Double, flops: Double)] = []
        for (shape, count) in workload.distinctProducts {
            let calls = GemmTimer.callsPerSecond(shape, minimumSeconds: minimumSeconds)
            if printing {
                printNow(String(format: "  m %5d  n %5d  k %5d  %@  %7.1f GFLOP/s  %8.1f us  x%-4d %@",
                                shape.m, shape.n, shape.k, shape.label, calls * shape.flops / 1e9, 1e6 / calls, count, shape.layer))
            }
            let i = layers.firstIndex { $0.kind == shape.layer } ?? { layers.append((shape.layer, 0, 0)); return layers.count - 1 }()
            layers[i].seconds += Double(count) / calls
            layers[i].flops += Double(count) * shape.flops
        }
        return layers
    }

    /// Each U-Net workload's step split by layer kind: the wall-clock milliseconds its passes spent
    /// there (forward, backward), and that kind's products timed alone in the same run.
    func reportProfile(minimumSeconds: Double) throws {
        for workload in Workload.all where workloads.contains(workload.name) && workload.configuration is UNetConfiguration {
            for setting in threads {
                let governor = ThreadGovernor.shared, profile = LayerProfile()
                governor.start(setting)
                let rate = try Self.engineRate(workload, minimumSeconds: minimumSeconds, governor: governor, profile: profile)
                BLAS.threadCount = governor.mainCount
                let elapsed = profile.elapsed, bounds = Self.layerBounds(workload, minimumSeconds: minimumSeconds / 4, printing: false)
                // A step: one training step, or one evaluation of the whole batch (passes of rowsPerPass rows).
                let step = workload.isSampler ? Double(workload.batch) / rate : 1 / rate
                let passesPerStep = workload.isSampler ? Double(workload.batch) / Double(workload.rowsPerPass) : 1
                printNow(String(format: "%@, %d thread(s) (%@): %.1f ms a step (%@ %@)", workload.name, BLAS.threadCount,
                                setting.description, 1e3 * step, Self.format(rate), workload.unit))
                // Columns wide enough for their headings (the workload table's are narrower).
                let widths = [20, 12, 13, 13, 15, 8]
                printNow(row(["layer kind", "forward ms", "backward ms", "of the step", "GEMM bound ms", "of bound"], widths: widths))
                var inLayers = 0.0
                for (i, kind) in profile.kinds.enumerated() {
                    // Each kind's share of the timed wall clock, as milliseconds of one step.
                    let forward = profile.forwardSeconds[i] / elapsed * step, backward = profile.backwardSeconds[i] / elapsed * step
                    inLayers += forward + backward
                    let bound = bounds.first { $0.kind == kind }.map { $0.seconds * passesPerStep }
                    printNow(row([kind, String(format: "%.2f", 1e3 * forward), workload.isSampler ? "-" : String(format: "%.2f", 1e3 * backward),
                                  String(format: "%.1f%%", 100 * (forward + backward) / step),
                                  bound.map { String(format: "%.2f", 1e3 * $0) } ?? "-",
                                  bound.map { String(format: "%.2f", $0 / (forward + backward)) } ?? "-"], widths: widths))
                }
                printNow(row(["outside the layers", "", "", String(format: "%.1f%%", 100 * (step - inLayers) / step), "", ""], widths: widths))
            }
        }
    }

    /// The peers that run some selected workload, each checked first: JAX is required; PyTorch,
    /// for the U-Net, only when installed.
    func activePeers(_ selected: [Workload]) throws -> [Peer] {
        var active: [Peer] = []
        for framework in [Peer.Framework.jax, .pytorch] {
            let peer = Peer(framework: framework, python: python)
            guard selected.contains(where: peer.implements) else { continue }
            if let problem = peer.problem {
                guard framework == .jax else { printNow("--peers: no PyTorch peer (\(problem))"); continue }
                throw RunFailure("--peers: \(problem)")
            }
            active.append(peer)
        }
        if let jax = active.first(where: { $0.framework == .jax }),
           selected.contains(where: { $0.configuration is MLPConfiguration && jax.implements($0) }) {
            printNow(try LossCheck.mlp(peer: jax))
        }
        if selected.contains(where: { $0.configuration is UNetConfiguration }) {
            try LossCheck.unet(peers: active).forEach { printNow($0) }
        }
        return active
    }

    /// The file holding the network the engine times for `workload`, for the peers to read, or
    /// nil when they build their own (the MLP's, from the same definition).
    static func peerWeights(_ workload: Workload, folder: String) throws -> String? {
        guard workload.configuration is UNetConfiguration else { return nil }
        var rng = RandomSource(seed: 1)  // as engineRate draws it
        let model = workload.configuration.makeNetwork(rng: &rng)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/\(workload.name).safetensors"
        try Checkpoint(configuration: workload.configuration, parameters: model.parameters.array, process: VariancePreserving(),
                       dataset: "normal", seed: 1, step: 0).write(to: path)
        return path
    }

    func row(_ cells: [String], widths: [Int] = [14, 8, 28, 22, 9, 12, 10, 12, 12, 14, 12, 16]) -> String {
        zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
    }

    static func format(_ rate: Double) -> String {
        rate >= 1e6 ? String(format: "%.2fM", rate / 1e6) : rate >= 100 ? String(format: "%.0f", rate) : String(format: "%.2f", rate)
    }

    /// Steps per second of the engine itself (sample-steps per second for Langevin), after a warm-up.
    /// The governor ticks between steps (sampler steps for the samplers), as in the tools' loops,
    /// and its window restarts after each repetition's untimed setup.
    static func engineRate(_ workload: Workload, minimumSeconds: Double, governor: ThreadGovernor,
                           profile: LayerProfile? = nil) throws -> Double {
        var rng = RandomSource(seed: 1)
        let model = workload.configuration.makeNetwork(rng: &rng)
        (model as? UNet)?.profile = profile
        switch workload.kind {
        case .dsm, .ssm:
            let d = workload.configuration.dimension
            let data = d == 2 ? ToyDataset.eightGaussians.sample(count: 50_000, rng: &rng)
                              : Matrix(rows: 10_000, columns: d, elements: rng.normals(count: 10_000 * d))
            // A time-conditioned network (the U-Net) learns the VP process, as train-dsm trains it on images.
            let objective: any ScoreObjective = workload.kind == .ssm
                ? HyvarinenScoreMatching(estimator: .slicedVarianceReduced(projections: 1, .rademacher),
                                         data: .clean(sigma: 0.1), dimension: d)
                : model.conditioning == .logSigma ? DenoisingScoreMatching(sigmas: .logUniform(min: 0.01, max: 10), dimension: d)
                : DenoisingScoreMatching(process: VariancePreserving(), dimension: d)
            let trainer = Self.trainer(model, data: data, objective: objective, batch: workload.batch, rng: rng.split())
            for _ in 0..<3 { _ = try trainer.trainStep() }
            governor.restartWindow()
            profile?.reset()
            return try Stopwatch.rate(minimumSeconds: minimumSeconds) { governor.tick(); _ = try trainer.trainStep() }
        case .langevin:
            // Steps at one level of the Song-Ermon schedule: every level costs the same.
            let sampler = AnnealedLangevin(sigmas: [1], stepsPerLevel: 10, epsilon: 2e-5)
            return samplerRate(sampler, workload: workload, model: model, minimumSeconds: minimumSeconds, governor: governor, rng: &rng)
        case .ddpm:
            let sampler = try DiffusionSampler(process: VariancePreserving(steps: 1000), rule: .ancestral(largeVariance: true), steps: 50, denoise: false)
            return samplerRate(sampler, workload: workload, model: model, minimumSeconds: minimumSeconds, governor: governor, rng: &rng)
        case .ddim:
            let sampler = try DiffusionSampler(process: VariancePreserving(steps: 1000), rule: .ddim(eta: 0), steps: 50, denoise: false)
            return samplerRate(sampler, workload: workload, model: model, minimumSeconds: minimumSeconds, governor: governor, rng: &rng)
        case .ode:
            let sampler = try ProbabilityFlowODE(process: VariancePreservingSDE(), solver: .heun(steps: 50), denoise: false)
            return samplerRate(sampler, workload: workload, model: model, minimumSeconds: minimumSeconds, governor: governor, rng: &rng)
        case .score:
            let score = NetworkScore(model: model)
            let d = workload.configuration.dimension
            let x = Matrix(rows: workload.batch, columns: d, elements: rng.normals(count: d * workload.batch))
            var out = Matrix(rows: workload.batch, columns: d)
            let level = VariancePreservingSDE().level(at: 0.5)
            score.score(x, at: level, into: &out)
            governor.restartWindow()
            profile?.reset()
            return Stopwatch.rate(minimumSeconds: minimumSeconds) { governor.tick(); score.score(x, at: level, into: &out) } * Double(workload.batch)
        }
    }

    /// A trainer for `model`, whichever kind of network it is.
    static func trainer<Network: ScoreNetwork>(_ model: Network, data: Matrix, objective: any ScoreObjective, batch: Int,
                                               rng: RandomSource) -> any ScoreTraining {
        ScoreTrainer(model: model, data: data, objective: objective, batchSize: batch, rng: rng)
    }

    /// Chains moved one network evaluation per second: whole runs timed, their evaluations counted.
    static func samplerRate(_ sampler: some ScoreSampler, workload: Workload, model: any ScoreNetwork, minimumSeconds: Double,
                            governor: ThreadGovernor, rng: inout RandomSource) -> Double {
        let score = NetworkScore(model: model)
        let evaluations = sampler.sample(count: workload.batch, score: score, rng: &rng, progress: nil).evaluations
        governor.restartWindow()
        let calls = Stopwatch.rate(minimumSeconds: minimumSeconds) {
            _ = sampler.sample(count: workload.batch, score: score, rng: &rng) { _, _ in governor.tick() }
        }
        return calls * Double(evaluations * workload.batch)
    }
}
