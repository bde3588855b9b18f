import Foundation
import ScoreKit
import ScoreKitStudies

/// The image outputs of a run on image data: PNG grids of the samples, of real beside generated
/// images and of the forward process, and, for a labelled image set, the classifier-based
/// quality measures (`ImageQuality`) with their floor and ceiling.
public struct ImageReport {
    public let shape: ImageShape
    public let quality: ImageQuality?
    /// What the classifier is and how it was trained, for the report.
    public let classifierSummary: String?

    /// How much each pixel is magnified in the figures: images about 56 pixels high.
    public static func scale(_ shape: ImageShape) -> Int { max(1, 56 / max(shape.height, shape.width)) }

    /// The gap between images in the figures.
    public static func gap(_ shape: ImageShape) -> Int { max(1, scale(shape) / 3) }

    /// Images per side of a grid: 10, or fewer when a grid would pass 8,192 pixels, so that two
    /// grids side by side stay within a PNG side of 65,536 (images of up to 4,096 x 4,096).
    public static func gridSide(_ shape: ImageShape) -> Int {
        min(10, max(1, 8_192 / (scale(shape) * max(shape.height, shape.width))))
    }

    /// The first of `images` as a square grid (10 x 10 unless they are large), magnified as in
    /// every image figure.
    public static func grid(of images: Matrix, shape: ImageShape) -> PNGImage {
        let side = gridSide(shape)
        return ImageGrid.grid(images, shape: shape, columns: side, rows: side, scale: scale(shape), gap: gap(shape))
    }

    /// `clean`, then x_t = alpha_t x + sigma_t z at `count` times of `process` rising to 1, each
    /// with its own noise: the stages of a forward-process strip.
    public static func forwardStages(of clean: Matrix, process: any ForwardProcess, count: Int, rng: inout RandomSource) -> [Matrix] {
        [clean] + process.timeGrid(count: count).reversed().map { t -> Matrix in
            let level = process.level(at: t)
            var noisy = clean
            for i in 0..<noisy.elements.count {
                noisy.elements[i] = Float(level.alpha * Double(clean.elements[i]) + level.sigma * rng.normalDouble())
            }
            return noisy
        }
    }

    /// Writes samples.png, real-vs-generated.png and (given a process) forward-process.png into
    /// `folder`, then measures the samples when `data` is a labelled image set.
    public init(samples: Matrix, data: LoadedData, shape: ImageShape, process: (any ForwardProcess)?, folder: String,
                seed: UInt64) throws {
        self.shape = shape
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let scale = Self.scale(shape), gap = Self.gap(shape)
        let generated = Self.grid(of: samples, shape: shape)
        try generated.write(to: path("samples.png"))
        try ImageGrid.sideBySide([Self.grid(of: data.points, shape: shape), generated], gap: 3 * scale)
            .write(to: path("real-vs-generated.png"))
        var rng = RandomSource(seed: seed)
        if let process {
            // The first 8 images (fewer when large) at t = 0 and 7 times up to 1, each with its own noise.
            let count = min(8, Self.gridSide(shape), data.points.rows)
            let clean = data.points.gatherRows(Array(0..<count))
            let stages = Self.forwardStages(of: clean, process: process, count: min(7, process.steps ?? 7), rng: &rng)
            try ImageGrid.strips(stages, shape: shape, images: count, scale: scale, gap: gap).write(to: path("forward-process.png"))
        }
        guard let images = data.images, images.isLabelled, samples.rows >= 2 else {
            quality = nil
            classifierSummary = nil
            return
        }
        let training = images.shape.pixels <= 64 ? ClassifierTraining.digits : ClassifierTraining.fashionMNIST
        printNow("training the \(images.name) classifier (\(training.hiddenWidths.map(String.init).joined(separator: "-")), \(training.epochs) epochs) for the image measures")
        let classifier = try training.fit(images.train, labels: images.trainLabels, classes: images.classNames.count, rng: &rng)
        classifierSummary = "MLP \(([shape.pixels] + training.hiddenWidths + [images.classNames.count]).map(String.init).joined(separator: "-")), \(training.epochs) epochs, input noise \(training.inputNoise)"
        guard let quality = ImageQuality(samples: samples, images: images, classifier: classifier, rng: &rng) else {
            throw RunFailure("the samples' classifier features are not finite: no Fréchet distance")
        }
        self.quality = quality
    }

    public var lines: [String] {
        guard let q = quality else { return [] }
        var out = [String(format: "image measures (classifier %@, test accuracy %.4f; %d images per set):", classifierSummary ?? "", q.classifierAccuracy, q.comparedImages)]
        out.append("  measure                     samples   real test (floor)  noise (ceiling)")
        out.append(String(format: "  Frechet distance            %-9.4g %-18.4g %.4g", q.frechetDistance.samples, q.frechetDistance.realTest, q.frechetDistance.noise))
        out.append(String(format: "  Inception score             %-9.4g %-18.4g %.4g", q.inceptionScore.samples, q.inceptionScore.realTest, q.inceptionScore.noise))
        out.append(String(format: "  class imbalance (TV)        %-9.4g %.4g", q.sampleScores.classImbalance, q.testScores.classImbalance))
        out.append(String(format: "  copies of training images   %.4g of samples nearer than %.4g (1st percentile of test images)", q.memorisation.fractionCopied, q.memorisation.threshold))
        return out
    }

    /// The measures as a Markdown table (empty without them).
    public var markdown: String {
        guard let q = quality else { return "" }
        var md = String(format: "Through a classifier (%@; test accuracy %.4f), %d images per set:\n\n", (classifierSummary ?? "") as NSString, q.classifierAccuracy, q.comparedImages)
        md += "| measure | samples | real test images (floor) | noise (ceiling) |\n|---|---|---|---|\n"
        md += String(format: "| Fréchet distance (lower is better) | %.4g | %.4g | %.4g |\n", q.frechetDistance.samples, q.frechetDistance.realTest, q.frechetDistance.noise)
        md += String(format: "| Inception score (higher is better) | %.4g | %.4g | %.4g |\n", q.inceptionScore.samples, q.inceptionScore.realTest, q.inceptionScore.noise)
        md += String(format: "| class imbalance, TV to uniform | %.4g | %.4g | |\n", q.sampleScores.classImbalance, q.testScores.classImbalance)
        md += String(format: "| nearer a training image than 1%% of test images | %.4g | 0.01 | |\n\n", q.memorisation.fractionCopied)
        return md
    }

    public var json: [String: Any] {
        var out: [String: Any] = ["image_shape": [shape.height, shape.width]]
        guard let q = quality else { return out }
        func referenced(_ r: ImageQuality.Referenced) -> [String: Any] { ["samples": r.samples, "real_test": r.realTest, "noise": r.noise] }
        out["classifier"] = classifierSummary
        out["classifier_test_accuracy"] = q.classifierAccuracy
        out["compared_images"] = q.comparedImages
        out["frechet_distance"] = referenced(q.frechetDistance)
        out["inception_score"] = referenced(q.inceptionScore)
        out["sample_class_fractions"] = q.sampleScores.classFractions
        out["sample_class_imbalance"] = q.sampleScores.classImbalance
        out["test_class_imbalance"] = q.testScores.classImbalance
        out["memorisation"] = ["fraction_copied": q.memorisation.fractionCopied, "threshold": q.memorisation.threshold,
                               "median_sample_distance": q.memorisation.medianSampleDistance,
                               "median_test_distance": q.memorisation.medianTestDistance]
        return out
    }
}
