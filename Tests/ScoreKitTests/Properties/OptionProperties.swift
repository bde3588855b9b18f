import ArgumentParser
@testable import bench
@testable import compare_objectives
@testable import compare_samplers
@testable import eval_score
@testable import evaluate
@testable import image_study
@testable import likelihood
@testable import noise_study
@testable import sample
import ScoreKit
import ScoreKitCLI
@testable import train_dsm
@testable import tutorial
import Testing

/// Every tool's command line, parsed and validated in-process from generated options and values,
/// is refused with a message or accepted: never a trap.
@Suite struct OptionProperties {
    /// Each tool with the arguments it cannot run without, which every generated line starts with
    /// (the options drawn after them may repeat one, and the last wins).
    static let tools: [(command: any ParsableCommand.Type, required: [String])] = [
        (TrainDSM.self, []), (EvalScore.self, ["--checkpoint", "c.safetensors", "--points", "p.npy", "--sigma", "0.1"]),
        (Sample.self, ["--checkpoint", "c.safetensors"]), (Evaluate.self, ["--checkpoint", "c.safetensors"]),
        (CompareObjectives.self, []), (NoiseStudy.self, []), (ImageStudy.self, []), (Likelihood.self, ["--checkpoint", "c.safetensors"]),
        (CompareSamplers.self, []), (Bench.self, []), (Tutorial.self, []),
    ]

    /// The long options a command's help lists.
    static func options(of tool: any ParsableCommand.Type) -> [String] {
        let help = tool.helpMessage(columns: 200)
        var names = Set<String>()
        for word in help.split(whereSeparator: { " ,.;:\n()[]<>|/=".contains($0) }) where word.hasPrefix("--") && word.count > 2 {
            names.insert(String(word))
        }
        return names.sorted()
    }

    /// Values a user could type: hostile numbers, lists, names, paths and nothing at all.
    static let values = ByteEdit.hostileNumbers + ["0.5", "-0.5", "1e-3", "3", "10", "1,2", "32,64", "0,0", "a,b", "", " ", "auto", "true", "false",
                                                   "ve", "vp", "ddim", "dsm", "digits", "8gaussians", "fashion-mnist", "/nonexistent/x.npy",
                                                   "/dev/null", "-", "--", "8,8", "28,28"]

    struct CommandLine: CustomStringConvertible {
        let arguments: [String]
        var description: String { arguments.map { $0.isEmpty ? "''" : $0 }.joined(separator: " ") }
    }

    static func commandLines(_ names: [String], after required: [String]) -> Generated<CommandLine> {
        Generated(draw: { rng in
            CommandLine(arguments: required + (0..<rng.int(in: 1...5)).flatMap { _ -> [String] in
                let name = rng.pick(names)
                return rng.int(in: 0...5) == 0 ? [name] : [name, rng.int(in: 0...1) == 0 ? rng.pick(values) : rng.awkwardString(length: 4)]
            })
        }, shrink: { line in
            (required.count..<line.arguments.count).map { k in CommandLine(arguments: Array(line.arguments[..<k] + line.arguments[(k + 1)...])) }
        })
    }

    @Test func everyToolRefusesOrAcceptsWhatItIsGiven() {
        for (tool, required) in Self.tools {
            let names = Self.options(of: tool).filter { $0 != "--help" && $0 != "--version" }
            #expect(names.count >= 3, "\(tool) lists its options in its help")
            var accepted = 0
            PropertyCheck.check("\(tool._commandName) options", cases: 150, Self.commandLines(names, after: required)) { line in
                do {
                    let command = try tool.parse(line.arguments)
                    accepted += 1
                    // train-dsm's run as it would start: its settings, and the process they make.
                    guard let train = command as? TrainDSM else { return nil }
                    let process = try train.configuration(over: train.standard).makeProcess()
                    return ProcessProperties.problem(with: process).map { "accepted a process that is not sound: \($0)" }
                } catch {
                    return String(describing: error).isEmpty ? "refused without a reason: \(error)" : nil
                }
            }
            #expect(accepted > 0, "\(tool._commandName) accepted none of the generated command lines")
        }
    }

    /// The network options are one group: train-dsm and image-study read them alike, image-study
    /// writes back what was given, and a shape the network cannot take is refused at parsing,
    /// before any image is loaded.
    @Test func theNetworkOptionsMeanTheSameInTrainDSMAndImageStudy() throws {
        let given = ["--network", "unet", "--channels", "16,32", "--blocks", "1", "--attention", "false"]
        let train = try TrainDSM.parse(["--data", "digits"] + given)
        let study = try ImageStudy.parse(given)
        #expect(try train.configuration(over: train.standard).network == study.networkSettings)
        #expect(study.networkSettings.channels == [16, 32] && study.networkSettings.blocks == 1 && study.networkSettings.attention == false)
        #expect(study.networkOptions.arguments == given)
        // The U-Net by default, with train-dsm's budget for it; the MLP when asked for; --fast a small U-Net.
        #expect(try ImageStudy.parse([]).networkSettings == RunConfiguration.forImages(.digits, network: UNetConfiguration.networkName).network)
        #expect(try ImageStudy.parse(["--network", "mlp"]).networkSettings == RunConfiguration.forImages(.digits, network: MLPConfiguration.networkName).network)
        let fast = try ImageStudy.parse(["--fast"]).networkSettings
        #expect(fast.kind == UNetConfiguration.networkName && fast.channels == [8, 16] && fast.blocks == 1)
        #expect(try ImageStudy.parse(["--fast", "--channels", "16,32"]).networkSettings.channels == [16, 32])
        for refused in [["--network", "unet", "--channels", "12"], ["--network", "unet", "--channels", "8,16,32,64,128"], ["--network", "resnet"],
                        ["--blocks", "0"]] {
            do {
                _ = try ImageStudy.parse(refused)
                Issue.record("image-study accepted \(refused)")
            } catch {
                let message = ImageStudy.message(for: error)
                #expect(message.contains(refused[0]) || message.contains(refused[2 % refused.count]), "\(refused): \(message)")
            }
        }
    }

    /// A `sample` command line and the process of the model it samples.
    struct SamplingCase: CustomStringConvertible {
        let line: CommandLine
        let process: any ForwardProcess
        var description: String { "sample \(line) on \(process.summary)" }
    }

    @Test func everySamplerTheOptionsAcceptIsBuiltOrRefusedOnEveryProcess() {
        let lines = Self.commandLines(Self.options(of: Sample.self).filter { $0 != "--help" }, after: ["--checkpoint", "c.safetensors"])
        let cases = Generated<SamplingCase>(draw: { rng in
            let settings = ProcessProperties.settings.draw(&rng)
            let type = rng.pick(ProcessRegistry.processes.filter { settings.sigmas.problem == nil || ObjectIdentifier($0) != ObjectIdentifier(VarianceExploding.self) })
            return SamplingCase(line: lines.draw(&rng), process: type.init(settings: settings))
        }, shrink: { c in lines.shrink(c.line).map { SamplingCase(line: $0, process: c.process) } })
        var built = 0
        PropertyCheck.check("sampler from sample's options", cases: 400, cases) { c in
            guard let command = try? Sample.parse(c.line.arguments) else { return nil }
            do {
                let (process, _) = try command.sampling(c.process, options: command.samplerOptions)
                built += 1
                return ProcessProperties.problem(with: process).map { "samples a process that is not sound: \($0)" }
            } catch {
                return String(describing: error).isEmpty ? "refused without a reason" : nil
            }
        }
        #expect(built > 0, "no generated case built a sampler")
    }

    /// A saved run configuration with some of its numbers replaced by hostile ones.
    struct SavedRun: CustomStringConvertible {
        /// Which numeric field (in the order the JSON lists them) holds which text.
        let edits: [(field: Int, text: String)]
        var json: String {
            // From the last field back, so that the earlier ranges stay where they were; the last
            // edit of a field wins.
            let values = Dictionary(edits.map { ($0.field, $0.text) }, uniquingKeysWith: { $1 })
            var text = SavedRun.standard
            for (field, value) in values.sorted(by: { $0.key > $1.key }) {
                text.replaceSubrange(SavedRun.numbers[field], with: value)
            }
            return text
        }
        var description: String { edits.map { "\(SavedRun.names[$0.field]) = \($0.text)" }.joined(separator: ", ") }

        static let standard = RunConfiguration.forImages(.digits).json
        /// Where the numbers of `standard` stand, and the key each follows.
        static let fields = standard.matches(of: /"(\w+)":(-?[0-9][0-9.e+-]*)/).map { ($0.output.2.startIndex..<$0.output.2.endIndex, String($0.output.1)) }
        static let numbers = fields.map(\.0)
        static let names = fields.map(\.1)
    }

    /// A run read back from a checkpoint is held to the bounds of the options that set it: each
    /// is refused naming the file, or builds its process, network, optimiser and weight average
    /// (whose initialisers trap on what the options refuse).
    @Test func everySavedRunIsRefusedOrBuildsWhatItNames() {
        let numbers = ByteEdit.hostileNumbers + ["0.5", "-5", "3", "1000", "100000", "10000000", "10000001"]
        let runs = Generated<SavedRun>(draw: { rng in
            SavedRun(edits: (0..<rng.int(in: 1...3)).map { _ in (rng.int(in: 0...(SavedRun.numbers.count - 1)), rng.pick(numbers)) })
        }, shrink: { run in
            (0..<run.edits.count).map { k in SavedRun(edits: Array(run.edits[..<k] + run.edits[(k + 1)...])) }.filter { !$0.edits.isEmpty }
        })
        #expect(SavedRun.numbers.count >= 15, "the saved run lists its numeric fields")
        var accepted = 0
        PropertyCheck.check("saved run configuration", cases: 400, runs) { saved in
            PropertyCheck.refusedOrSound(naming: "saved.safetensors", { try RunConfiguration(json: saved.json, file: "saved.safetensors") }) { run in
                accepted += 1
                do {
                    let process = try run.makeProcess()
                    if let problem = ProcessProperties.problem(with: process) { return "accepted a process that is not sound: \(problem)" }
                    _ = try? run.networkConfiguration(for: process, dimension: 64, image: ImageShape(height: 8, width: 8))
                } catch {
                    return "accepted a run whose process is refused: \(error)"
                }
                _ = Adam(parameterCount: 1, learningRate: run.optimiser.learningRate)
                _ = ExponentialMovingAverage(of: FloatBuffer(count: 1), decay: run.emaDecay)
                return run.json.isEmpty ? "wrote no JSON" : nil
            }
        }
        #expect(accepted > 0, "no generated run was accepted")
    }

    /// What the properties found, kept as plain cases.
    @Test func findingsStayFixed() throws {
        // A ladder of 2^63 levels hung train-dsm while it filled the ladder.
        #expect(throws: (any Error).self) { try TrainDSM.parse(["--sigma-levels", "9223372036854775807"]) }
        // T = 2 made the linear schedule's second beta 10, abar negative and alpha NaN.
        let train = try TrainDSM.parse(["--process", "vp", "--timesteps", "2"])
        #expect(ProcessProperties.problem(with: try train.configuration(over: train.standard).makeProcess()) == nil)
        // sigma-max 3.4e38 drew infinite training levels; sigma-min 1e-40 made 1 / sigma infinite.
        for (low, high) in [("1", "3.4e38"), ("1e-40", "1")] {
            #expect(throws: (any Error).self) { try TrainDSM.parse(["--sigma-min", low, "--sigma-max", high]) }
        }
        // A checkpoint's saved run reached Adam, the weight average and the sampler with values
        // the options refuse: a learning rate of -1, a decay of 2, -3 data points, 0 samples.
        for (key, value) in [("learningRate", "-1"), ("emaDecay", "2"), ("points", "-3"), ("samples", "0"), ("trainSteps", "-5"),
                             ("checkpointEvery", "-5"), ("projections", "0"), ("divergenceFactor", "-3")] {
            guard let field = SavedRun.names.firstIndex(of: key) else { Issue.record("no field \(key)"); continue }
            #expect(throws: RunFailure.self) { try RunConfiguration(json: SavedRun(edits: [(field, value)]).json, file: "saved.safetensors") }
        }
    }
}
