import Foundation
import Testing
import ScoreKit

/// The U-Net as a whole: backpropagation through every layer kind against finite differences,
/// its checkpoint under PyTorch's names, its sizes, and training by the built-in DSM.
@Suite struct UNetTests {
    /// 8 x 8 images, two levels of 4 and 8 channels, one block, attention at 4 x 4.
    let small = UNetConfiguration(height: 8, width: 8, channels: [4, 8], blocks: 1, attention: true, groups: 2,
                                  conditioning: .time(width: 8), parameterisation: .noise)

    /// A network whose every parameter is drawn, so that no layer starts at zero and every
    /// gradient is exercised.
    func randomNetwork(_ configuration: UNetConfiguration, seed: UInt64) -> UNet {
        var rng = RandomSource(seed: seed)
        return UNet(configuration: configuration, parameters: rng.normals(count: configuration.parameterCount).map { $0 * 0.3 })
    }

    func batch(_ configuration: UNetConfiguration, images: Int, seed: UInt64) -> NetworkBatch {
        var rng = RandomSource(seed: seed)
        let batch = NetworkBatch(capacity: images, dimension: configuration.dimension)
        for i in 0..<(images * configuration.dimension) { batch.points[i] = rng.normals(count: 1)[0] }
        for i in 0..<images {
            batch.time[i] = 0.2 + 0.5 * Float(i)
            batch.sigma[i] = 0.5 + Float(i)
            batch.outputScale[i] = batch.sigma[i]
        }
        return batch
    }

    /// L = sum(c * s) for a pass on a batch: its gradients by one backward pass, and central
    /// differences (step 1e-2) of L in any one value the forward pass reads.
    struct WeightedScore {
        let pass: any NetworkPass, batch: NetworkBatch, c: [Float]

        func loss() -> Double {
            pass.forward(batch)
            return (0..<c.count).reduce(0) { $0 + Double(c[$1]) * Double(batch.score[$1]) }
        }

        /// Forward, then backward with dL/ds = c.
        func backpropagate() {
            _ = loss()
            for i in c.indices { batch.scoreGradient[i] = c[i] }
            pass.backward(batch)
        }

        func difference(in values: FloatBuffer, at i: Int) -> Double {
            let saved = values[i], h: Float = 1e-2
            values[i] = saved + h
            let up = loss()
            values[i] = saved - h
            let down = loss()
            values[i] = saved
            return (up - down) / (2 * Double(h))
        }
    }

    @Test func parameterGradientsMatchFiniteDifferences() {
        let network = randomNetwork(small, seed: 1)
        let images = 2, batch = batch(small, images: images, seed: 2)
        var rng = RandomSource(seed: 3)
        let weighted = WeightedScore(pass: network.makePass(capacity: images, tangentCount: 0), batch: batch,
                                     c: rng.normals(count: images * small.dimension))
        weighted.backpropagate()
        let analytic = weighted.pass.gradients.array
        // Three coordinates of every tensor: each layer's weights and biases, in every block.
        var checked = 0, nonTrivial = 0
        for tensor in small.tensors {
            for _ in 0..<3 {
                let i = tensor.offset + Int(rng.next() % UInt64(tensor.count))
                let numeric = weighted.difference(in: network.parameters, at: i)
                #expect(isClose(Double(analytic[i]), numeric, rel: 3e-2, abs: 5e-3), "\(tensor.name)[\(i - tensor.offset)]: \(analytic[i]) vs \(numeric)")
                checked += 1
                if abs(numeric) > 1e-2 { nonTrivial += 1 }
            }
        }
        #expect(nonTrivial > checked * 3 / 4, "only \(nonTrivial) of \(checked) gradients were non-trivial")
    }

    /// dL/dx, the reverse mode behind `likelihood` on a U-Net: central differences at a dozen
    /// pixels, a second backward after the same forward giving the same bytes, and the exact
    /// trace of ds/dx through `NetworkScore` (64 unit directions, chunks of 2 over 3 images)
    /// against the differences of its diagonal.
    @Test func inputGradientAndTracesMatchFiniteDifferences() {
        let network = randomNetwork(small, seed: 4), images = 3, d = small.dimension
        let batch = NetworkBatch(capacity: images, dimension: d, pointsGradient: true), source = self.batch(small, images: images, seed: 5)
        for i in 0..<(images * d) { batch.points[i] = source.points[i] }
        for i in 0..<images { (batch.time[i], batch.sigma[i], batch.outputScale[i]) = (source.time[i], source.sigma[i], source.outputScale[i]) }
        var rng = RandomSource(seed: 6)
        let weighted = WeightedScore(pass: network.makePass(capacity: images, tangentCount: 0), batch: batch, c: rng.normals(count: images * d))
        weighted.backpropagate()
        let analytic = batch.pointsGradient.array
        weighted.pass.backward(batch)
        #expect(batch.pointsGradient.array == analytic)
        for _ in 0..<12 {
            let i = Int(rng.next() % UInt64(images * d)), numeric = weighted.difference(in: batch.points, at: i)
            #expect(isClose(Double(analytic[i]), numeric, rel: 3e-2, abs: 5e-3), "pixel \(i): \(analytic[i]) vs \(numeric)")
            #expect(abs(numeric) > 1e-2, "pixel \(i)'s gradient is too small to test")
        }

        let score = NetworkScore(model: network, chunk: 2), level = NoiseLevel(time: 0.4, alpha: 0.7, sigma: 0.7)
        let x = Matrix(rows: images, columns: d, elements: source.points.array)
        var directions = Matrix(rows: d * images, columns: d)
        for j in 0..<d { for i in 0..<images { directions[j * images + i, j] = 1 } }
        var scores = Matrix(rows: images, columns: d), products = directions, traces = [Double](repeating: 0, count: images)
        score.jacobianTraces(x, at: level, directions: directions, scores: &scores, products: &products, traces: &traces)
        let h: Float = 1e-2
        for i in 0..<images {
            var numeric = 0.0, scale = 0.0
            for j in 0..<d {
                var up = x, down = x
                up[i, j] += h
                down[i, j] -= h
                let term = Double(score.scores(up, at: level)[i, j] - score.scores(down, at: level)[i, j]) / Double(2 * h)
                numeric += term
                scale += abs(term)
            }
            #expect(isClose(traces[i], numeric, rel: 0, abs: 1e-2 * scale), "image \(i): trace \(traces[i]) vs \(numeric) (sum of |terms| \(scale))")
        }
    }

    /// Dropout 0.5 in every residual block: it adds no parameter, so without a draw the network
    /// is, byte for byte, the same network without dropout; with a draw it changes s, repeats it
    /// for the same draw, and its gradients match finite differences under that draw. Its rate
    /// survives the checkpoint's metadata; a rate outside [0, 1) is refused.
    @Test func dropoutTrainsUnderItsDrawAndIsTheIdentityOtherwise() throws {
        let withDropout = UNetConfiguration(height: 8, width: 8, channels: [4, 8], blocks: 1, attention: true, groups: 2,
                                            conditioning: .time(width: 8), parameterisation: .noise, dropout: 0.5)
        #expect(withDropout.parameterCount == small.parameterCount)
        let plain = randomNetwork(small, seed: 7), network = UNet(configuration: withDropout, parameters: plain.parameters.array)
        let images = 2, batch = batch(small, images: images, seed: 8)
        let pass = network.makePass(capacity: images, tangentCount: 0), plainPass = plain.makePass(capacity: images, tangentCount: 0)
        plainPass.forward(batch)
        let reference = batch.score.array
        pass.forward(batch)
        #expect(batch.score.array == reference)
        batch.dropout = Dropout.Draw(seed: 9, firstRow: 0)
        pass.forward(batch)
        let dropped = batch.score.array
        #expect(dropped != reference)
        pass.forward(batch)
        #expect(batch.score.array == dropped)

        var rng = RandomSource(seed: 10)
        let weighted = WeightedScore(pass: pass, batch: batch, c: rng.normals(count: images * small.dimension))
        weighted.backpropagate()
        let analytic = pass.gradients.array
        var nonTrivial = 0
        for tensor in small.tensors where tensor.name.contains("conv") || tensor.name.contains("norm2") {
            let i = tensor.offset + Int(rng.next() % UInt64(tensor.count)), numeric = weighted.difference(in: network.parameters, at: i)
            #expect(isClose(Double(analytic[i]), numeric, rel: 3e-2, abs: 5e-3), "\(tensor.name)[\(i - tensor.offset)]: \(analytic[i]) vs \(numeric)")
            if abs(numeric) > 1e-2 { nonTrivial += 1 }
        }
        #expect(nonTrivial >= 8, "only \(nonTrivial) non-trivial gradients")

        let read = try UNetConfiguration(metadata: MetadataReader(withDropout.metadata))
        #expect(read == withDropout && small.metadata["dropout"] == nil)
        let decoded = try JSONDecoder().decode(UNetConfiguration.self, from: JSONEncoder().encode(withDropout))
        #expect(decoded == withDropout)
        #expect(UNetConfiguration.problem(dropout: 1) != nil && UNetConfiguration.problem(dropout: -0.1) != nil)
        #expect(UNetConfiguration.problem(dropout: 0.1) == nil)
    }

    /// A profiled pass computes the same bytes, and records every layer kind of the network in
    /// both directions, within the wall clock that passed.
    @Test func aProfiledPassIsTheSamePassTimedByLayerKind() {
        let network = randomNetwork(small, seed: 1), images = 2, batch = batch(small, images: images, seed: 2)
        let pass = network.makePass(capacity: images, tangentCount: 0)
        func run() -> ([Float], [Float]) {
            pass.forward(batch)
            let score = batch.score.array
            for i in 0..<(images * small.dimension) { batch.scoreGradient[i] = score[i] }
            pass.backward(batch)
            return (score, pass.gradients.array)
        }
        let plain = run()
        let profile = LayerProfile()
        network.profile = profile
        let profiled = run()
        #expect(profiled.0 == plain.0 && profiled.1 == plain.1)
        #expect(Set(profile.kinds) == ["embedding", "conv3x3", "norm", "add", "conv3x3/2", "conv1x1", "attention", "upsample", "concatenate"])
        let total = profile.forwardSeconds.reduce(0, +) + profile.backwardSeconds.reduce(0, +)
        #expect(profile.kinds.indices.allSatisfy { profile.forwardSeconds[$0] > 0 && profile.backwardSeconds[$0] > 0 })
        #expect(total <= profile.elapsed)
        profile.reset()
        #expect(profile.forwardSeconds.allSatisfy { $0 == 0 } && profile.backwardSeconds.allSatisfy { $0 == 0 })
        network.profile = nil
    }

    @Test func itsStructureAndNamesAreDDPMs() {
        let standard = UNetConfiguration(height: 28, width: 28)
        let names = Set(standard.tensors.map(\.name))
        for name in ["conv_in.weight", "temb.dense.0.weight", "down.0.res.0.conv1.weight", "down.0.res.1.norm2.bias",
                     "down.0.downsample.conv.weight", "down.1.res.0.nin_shortcut.weight", "down.2.attn.1.q.weight",
                     "mid.res.0.temb_proj.weight", "mid.attn.0.proj_out.bias", "mid.res.1.conv2.weight",
                     "up.2.res.2.conv1.weight", "up.2.upsample.conv.weight", "up.0.res.2.nin_shortcut.weight",
                     "norm_out.weight", "conv_out.bias"] {
            #expect(names.contains(name), "\(name) missing")
        }
        #expect(!names.contains("down.2.downsample.conv.weight") && !names.contains("up.0.upsample.conv.weight"))
        #expect(!names.contains("down.0.attn.0.q.weight"), "attention only at the lowest level")
        let shapes = Dictionary(uniqueKeysWithValues: standard.tensors.map { ($0.name, $0.shape) })
        #expect(shapes["down.0.res.0.conv1.weight"] == [32, 32, 3, 3])
        #expect(shapes["up.0.res.2.conv1.weight"] == [32, 64, 3, 3])
        #expect(shapes["down.2.attn.0.k.weight"] == [128, 128, 1, 1])
        #expect(shapes["temb.dense.0.weight"] == [128, 32])
        // The tensors tile the flat parameters exactly, in order.
        var offset = 0
        for tensor in standard.tensors {
            #expect(tensor.offset == offset, "\(tensor.name) at \(tensor.offset), expected \(offset)")
            offset += tensor.count
        }
        #expect(offset == standard.parameterCount)
        // DDPM's structure at these widths; an independent count of the same shapes gives 3,939,393.
        #expect(standard.parameterCount == 3_939_393)
    }

    @Test func aNewNetworkOutputsZeroAndItsCheckpointRoundTrips() throws {
        var rng = RandomSource(seed: 4)
        let network = UNet(configuration: small, rng: &rng)
        let batch = batch(small, images: 2, seed: 5)
        network.makePass(capacity: 2, tangentCount: 0).forward(batch)
        #expect(batch.score.array.allSatisfy { $0 == 0 }, "the output convolution starts at zero")

        let trained = randomNetwork(small, seed: 6)
        let checkpoint = Checkpoint(configuration: small, parameters: trained.parameters.array,
                                    process: VariancePreserving(), dataset: "digits", seed: 1, step: 10)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scorekit-unet-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try checkpoint.write(to: path)
        let back = try Checkpoint.read(path)
        #expect(back == checkpoint)
        #expect(back.configuration.isSame(as: small))
        let file = try SafeTensors.read(path)
        #expect(file.tensors["down.0.res.0.conv1.weight"]?.shape == [4, 4, 3, 3])
        #expect(file.metadata["format"] == UNetConfiguration.checkpointFormat)
        let restored = back.model(preferringEMA: false)
        let (a, b) = (batch, self.batch(small, images: 2, seed: 5))
        trained.makePass(capacity: 2, tangentCount: 0).forward(a)
        restored.makePass(capacity: 2, tangentCount: 0).infer(b)
        #expect(a.score.array == b.score.array)

        var bad = checkpoint.safeTensors
        bad.metadata["channels"] = "4,x"
        #expect { try Checkpoint(bad) } throws: { "\($0)".contains("channels") }
        bad = checkpoint.safeTensors
        bad.metadata["image_height"] = "7"
        #expect { try Checkpoint(bad) } throws: { "\($0)".contains("halve") }
    }

    @Test func sizesThatMakeNoUNetAreRefusedWithTheirReason() {
        #expect(UNetConfiguration.problem(height: 28, width: 28, imageChannels: 1, channels: [32, 64, 128, 256], blocks: 2, groups: 8,
                                          conditioning: .time(width: 32))?.contains("halve") == true)
        #expect(UNetConfiguration.problem(height: 28, width: 28, imageChannels: 1, channels: [32, 48], blocks: 2, groups: 32,
                                          conditioning: .time(width: 32))?.contains("groups") == true)
        #expect(UNetConfiguration.problem(height: 28, width: 28, imageChannels: 1, channels: [32, 64, 128], blocks: 2, groups: 8,
                                          conditioning: .time(width: 32)) == nil)
    }

    /// DSM on 8 x 8 images of two bars: 300 Adam steps lower the loss well below that of the
    /// network's start (s = 0, whose noise-prediction loss is E|z|^2 = 1 per coordinate).
    @Test func trainsByDenoisingScoreMatching() throws {
        var rng = RandomSource(seed: 7)
        var rows: [Float] = []
        for i in 0..<256 {
            var image = [Float](repeating: -1, count: 64)
            let at = i % 8
            for j in 0..<8 { image[i % 2 == 0 ? at * 8 + j : j * 8 + at] = 1 }
            rows += image
        }
        let data = Matrix(rows: 256, columns: 64, elements: rows)
        let process = VariancePreserving()
        let trainer = ScoreTrainer(model: UNet(configuration: small, rng: &rng), data: data,
                                   objective: DenoisingScoreMatching(process: process, dimension: 64), batchSize: 32,
                                   learningRate: 2e-3, rng: rng.split())
        var first = 0.0, last = 0.0
        for step in 0..<300 {
            let loss = try trainer.trainStep()
            if step < 20 { first += loss / 20 }
            if step >= 280 { last += loss / 20 }
        }
        #expect(last < 0.5 * first, "loss \(first) -> \(last)")
    }

    /// A batch large enough that the loops between the products run in parts on several threads
    /// (im2col, the norms' per-image sums, attention's per-image products, additions): its
    /// scores are each image's own pass's, and its gradients their sum, to Float's rounding of
    /// other product shapes; and its bytes are the same at 1, 2 and 3 threads.
    @Test func aBatchIsItsImagesAtAnyThreadCount() {
        let config = UNetConfiguration(height: 16, width: 16, channels: [16, 32], blocks: 1, attention: true, groups: 4,
                                       conditioning: .time(width: 8), parameterisation: .noise)
        let network = randomNetwork(config, seed: 21), images = 32, d = config.dimension
        let whole = batch(config, images: images, seed: 22)
        var rng = RandomSource(seed: 23)
        let c = rng.normals(count: images * d)
        let saved = BLAS.threadCount
        defer { BLAS.threadCount = saved }
        let runs = [1, 2, 3].map { threads -> (score: [Float], gradients: [Float]) in
            BLAS.threadCount = threads
            let pass = network.makePass(capacity: images, tangentCount: 0)
            pass.forward(whole)
            for i in c.indices { whole.scoreGradient[i] = c[i] }
            pass.backward(whole)
            return (whole.score.array, pass.gradients.array)
        }
        #expect(runs.allSatisfy { $0.score == runs[0].score && $0.gradients == runs[0].gradients },
                "the bytes differ between 1, 2 and 3 threads")
        let single = network.makePass(capacity: 1, tangentCount: 0), one = NetworkBatch(capacity: 1, dimension: d)
        var sum = [Double](repeating: 0, count: config.parameterCount), magnitude = sum
        for b in 0..<images {
            one.points.pointer.update(from: whole.points.pointer + b * d, count: d)
            (one.time[0], one.sigma[0], one.outputScale[0]) = (whole.time[b], whole.sigma[b], whole.outputScale[b])
            single.forward(one)
            let worst = (0..<d).map { abs(one.score[$0] - runs[0].score[b * d + $0]) / (1 + abs(one.score[$0])) }.max()!
            #expect(worst < 1e-4, "image \(b): its score differs from the batch's by \(worst) relative")
            for j in 0..<d { one.scoreGradient[j] = c[b * d + j] }
            single.backward(one)
            for i in sum.indices {
                sum[i] += Double(single.gradients[i])
                magnitude[i] += abs(Double(single.gradients[i]))
            }
        }
        let mismatched = sum.indices.filter { abs(sum[$0] - Double(runs[0].gradients[$0])) > 1e-3 * (1e-3 + magnitude[$0]) }
        #expect(mismatched.isEmpty, "\(mismatched.count) gradients differ from the sum of the images', first at \(mismatched.first ?? -1)")
    }

    /// The memory check before a run (`activationFloats`, in `Limits`) must not promise less than
    /// a pass takes, nor wildly more: checked on the default 28x28 network at batch 64.
    @Test func theMemoryEstimateCoversThePass() {
        let standard = UNetConfiguration(height: 28, width: 28)
        let pass = Double(UNet(configuration: standard, parameters: [Float](repeating: 0, count: standard.parameterCount)).passFloats(capacity: 64))
        let estimate = standard.activationFloats(batch: 64, tangents: 0) + Double(standard.parameterCount)
        #expect(estimate >= pass && estimate < 1.5 * pass, "estimate \(estimate) floats, pass \(pass)")
    }

    /// A score query runs in chunks whose pass fits `NetworkScore.chunkBytes`: the default U-Net
    /// on 28x28 images took 10.3 GB to sample 128 images when a query ran 512 at once. The MLPs keep 512
    /// rows, so their bytes do not change.
    @Test func aScoreQueryKeepsItsPassWithinTheChunkBound() {
        let standard = UNetConfiguration(height: 28, width: 28)
        let network = UNet(configuration: standard, parameters: [Float](repeating: 0, count: standard.parameterCount))
        let chunk = NetworkScore.standardChunk(for: network)
        let passBytes = { (rows: Int) in 4 * Double(network.passFloats(capacity: rows) - standard.parameterCount) }
        #expect(chunk > 1 && chunk < 512)
        #expect(passBytes(chunk) <= 1.1 * Double(NetworkScore.chunkBytes), "\(chunk) images take \(passBytes(chunk)) bytes")
        #expect(passBytes(chunk + 1) > 0.5 * Double(NetworkScore.chunkBytes), "a chunk of \(chunk) images wastes its bound")
        var rng = RandomSource(seed: 1)
        let mlp = MLPConfiguration(dimension: 2, hiddenWidth: 128, hiddenLayers: 3).makeNetwork(rng: &rng)
        #expect(NetworkScore.standardChunk(for: mlp) == 512)
    }
}
