/// Trains a `Classifier` on labelled rows by minibatch cross-entropy with Adam, the learning
/// rate decaying linearly to zero over the run; each epoch visits every row once in a fresh
/// random order. Deterministic for a seed and thread count.
public struct ClassifierTraining: Sendable {
    public var hiddenWidths: [Int]
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    /// Standard deviation of Gaussian noise added to every input of every batch: a regulariser,
    /// and it keeps the classifier's verdict on slightly noisy samples close to its verdict on clean ones.
    public var inputNoise: Float

    public init(hiddenWidths: [Int], epochs: Int, batchSize: Int = 128, learningRate: Float = 1e-3, inputNoise: Float = 0) {
        precondition(!hiddenWidths.isEmpty && epochs >= 1 && batchSize >= 1 && learningRate > 0, "ClassifierTraining: bad settings")
        self.hiddenWidths = hiddenWidths
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.inputNoise = inputNoise
    }

    /// A classifier of `classes` classes fitted to `rows` and their `labels`; `progress` hears
    /// each epoch's number and mean loss. Throws `TrainingDiverged` on a non-finite loss.
    public func fit(_ rows: Matrix, labels: [Int], classes: Int, rng: inout RandomSource,
                    progress: ((Int, Double) -> Void)? = nil) throws -> Classifier {
        precondition(labels.count == rows.rows && rows.rows >= 1 && labels.allSatisfy { (0..<classes).contains($0) },
                     "ClassifierTraining.fit: \(labels.count) labels in 0..<\(classes) for \(rows.rows) rows")
        let classifier = Classifier(sizes: [rows.columns] + hiddenWidths + [classes], rng: &rng)
        let batch = min(batchSize, rows.rows), d = rows.columns
        let workspace = ClassifierWorkspace(sizes: classifier.sizes, capacity: batch)
        let adam = Adam(parameterCount: classifier.parameters.count, learningRate: learningRate)
        let input = FloatBuffer(count: batch * d), noise = FloatBuffer(count: batch * d)
        let batchLabels = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { batchLabels.deallocate() }
        var order = Array(0..<rows.rows)
        let stepsPerEpoch = rows.rows / batch, totalSteps = stepsPerEpoch * epochs
        var step = 0
        try rows.elements.withUnsafeBufferPointer { source in
            for epoch in 1...epochs {
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                var total = 0.0
                for s in 0..<stepsPerEpoch {
                    for b in 0..<batch {
                        let row = order[s * batch + b]
                        (input.pointer + b * d).update(from: source.baseAddress! + row * d, count: d)
                        batchLabels[b] = Int32(labels[row])
                    }
                    if inputNoise > 0 {
                        rng.fillNormal(noise.pointer, count: batch * d)
                        for i in 0..<(batch * d) { input[i] += inputNoise * noise[i] }
                    }
                    classifier.forward(x: input.pointer, batch: batch, workspace: workspace)
                    let loss = classifier.crossEntropyBackward(x: input.pointer, labels: batchLabels, workspace: workspace)
                    guard loss.isFinite else { throw TrainingDiverged(step: step + 1, loss: loss, explosion: nil) }
                    adam.learningRate = learningRate * Float(totalSteps - step) / Float(totalSteps)
                    adam.update(parameters: classifier.parameters, gradients: workspace.gradients)
                    total += loss
                    step += 1
                }
                progress?(epoch, total / Double(stepsPerEpoch))
            }
        }
        return classifier
    }

    /// The fraction of `rows` whose most probable class is their label.
    public static func accuracy(of classifier: Classifier, on rows: Matrix, labels: [Int]) -> Double {
        accuracy(probabilities: classifier.evaluate(rows).probabilities, labels: labels)
    }

    /// The fraction of rows of `probabilities` ([N, classes]) whose most probable class is their label.
    public static func accuracy(probabilities: Matrix, labels: [Int]) -> Double {
        precondition(labels.count == probabilities.rows, "ClassifierTraining.accuracy: \(labels.count) labels for \(probabilities.rows) rows")
        var correct = 0
        for i in 0..<probabilities.rows {
            let row = probabilities.row(i)
            if row.indices.max(by: { row[$0] < row[$1] }) == labels[i] { correct += 1 }
        }
        return Double(correct) / Double(max(1, probabilities.rows))
    }
}

extension ClassifierTraining {
    /// For the 8 x 8 digits: widths 256 and 128 (the features), 60 epochs of batch 64, input noise 0.3 (98.0 to 98.3% test accuracy over seeds 0 to 2, against 96.6 to 97.7% without).
    public static let digits = ClassifierTraining(hiddenWidths: [256, 128], epochs: 60, batchSize: 64, inputNoise: 0.3)
    /// For 28 x 28 images such as Fashion-MNIST: widths 512 and 256, 15 epochs of batch 128.
    public static let fashionMNIST = ClassifierTraining(hiddenWidths: [512, 256], epochs: 15, batchSize: 128)
}
