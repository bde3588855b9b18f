// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ScoreKit",
    products: [
        // Numerics, networks, objectives, processes, samplers, data and formats: no MPI.
        .library(name: "ScoreKit", targets: ["ScoreKit"]),
        // Runs over several processes: ProcessGroup, an MPI GradientReducer (needs Open MPI).
        .library(name: "ScoreKitMPI", targets: ["ScoreKitMPI"]),
        // The studies' measurements: Monte Carlo checks, sample metrics, figures.
        .library(name: "ScoreKitStudies", targets: ["ScoreKitStudies"]),
        .executable(name: "train-dsm", targets: ["train-dsm"]),
        .executable(name: "eval-score", targets: ["eval-score"]),
        .executable(name: "sample", targets: ["sample"]),
        .executable(name: "evaluate", targets: ["evaluate"]),
        .executable(name: "compare-objectives", targets: ["compare-objectives"]),
        .executable(name: "noise-study", targets: ["noise-study"]),
        .executable(name: "image-study", targets: ["image-study"]),
        .executable(name: "likelihood", targets: ["likelihood"]),
        .executable(name: "compare-samplers", targets: ["compare-samplers"]),
        .executable(name: "bench", targets: ["bench"]),
        .executable(name: "tutorial", targets: ["tutorial"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        // `swift package generate-documentation --target ScoreKit` builds Sources/ScoreKit/ScoreKit.docc.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // MARK: - Public API

        .target(
            name: "ScoreKit",
            dependencies: ["CKernels", "CLaunch", "COpenBLAS", "CLAPACKE", "CZlib",
                           .product(name: "RealModule", package: "swift-numerics")],
            exclude: ["Resources/README.md"],
            resources: [.copy("Resources/digits.csv.gz")],
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),

        .target(name: "ScoreKitMPI", dependencies: ["ScoreKit", "CMPI"]),
        .target(name: "ScoreKitStudies", dependencies: ["ScoreKit"]),

        // MARK: - Command-line tools

        .executableTarget(name: "train-dsm", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "eval-score", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "sample", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "evaluate", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "compare-objectives", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "noise-study", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "image-study", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "likelihood", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "compare-samplers", dependencies: ["ScoreKitCLI"]),
        .executableTarget(name: "bench", dependencies: ["ScoreKitCLI"], path: "Benchmarks/bench"),
        .executableTarget(name: "tutorial", dependencies: ["ScoreKitCLI", "ScoreKitTutorial"]),

        // MARK: - Implementation details

        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CLAPACKE",
            pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Open MPI's C API, for runs over several processes (ScoreKitMPI/Parallel/ProcessGroup.swift).
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        // Elementwise kernels in C, one copy per instruction set (AVX-512, AVX2, baseline) chosen at load.
        .target(name: "CKernels", exclude: ["FastMath.h", "KernelBodies.h", "Table.h"]),
        // The CPU's features and a relaunch on a fault, for choosing OpenBLAS's kernels at launch.
        .target(name: "CLaunch"),
        // The DocC articles' computations, shared by the tutorial tool and the tests.
        .target(name: "ScoreKitTutorial", dependencies: ["ScoreKit", "ScoreKitStudies"]),
        .target(
            name: "ScoreKitCLI",
            dependencies: [
                "ScoreKit", "ScoreKitMPI", "ScoreKitStudies", "CLaunch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),

        // MARK: - Tests

        // Fixtures/ holds reference files made by NumPy and safetensors; the tests find them by path.
        // The tools are dependencies so that OptionProperties parses their options in-process.
        .testTarget(name: "ScoreKitTests", dependencies: ["ScoreKit", "ScoreKitMPI", "ScoreKitStudies", "ScoreKitCLI", "ScoreKitTutorial",
                                                          "train-dsm", "eval-score", "sample", "evaluate", "compare-objectives", "noise-study",
                                                          "image-study", "likelihood", "compare-samplers", "bench", "tutorial"],
                    exclude: ["Fixtures"]),
        // An objective written against ScoreKit's public API alone (no @testable, no package access).
        .testTarget(name: "CustomObjectiveTests", dependencies: ["ScoreKit"]),
    ],
    swiftLanguageModes: [.v6]
)
