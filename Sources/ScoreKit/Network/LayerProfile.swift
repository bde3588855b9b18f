/// Wall-clock seconds a network's passes spend per layer kind, forward and backward, since the
/// last `reset()`: where a step's time goes, beside its products' GEMM bound (`bench --profile`).
/// The kinds with products are named as `ProductShape.layer` names them ("conv3x3", "attention",
/// ...); the others by what they do ("norm", "add", ...). A pass finds its steps' kinds once, so
/// recording allocates nothing.
public final class LayerProfile {
    public private(set) var kinds: [String] = []
    public private(set) var forwardSeconds: [Double] = []
    public private(set) var backwardSeconds: [Double] = []
    private var started = Stopwatch.now()

    public init() {}

    /// Wall-clock seconds since the profile began or was last reset, against which its kinds'
    /// seconds are shares.
    public var elapsed: Double { Stopwatch.now() - started }

    /// The index of `kind`, added at its first use.
    func index(_ kind: String) -> Int {
        if let found = kinds.firstIndex(of: kind) { return found }
        kinds.append(kind)
        forwardSeconds.append(0)
        backwardSeconds.append(0)
        return kinds.count - 1
    }

    func record(_ kind: Int, seconds: Double, backward: Bool) {
        if backward { backwardSeconds[kind] += seconds } else { forwardSeconds[kind] += seconds }
    }

    public func reset() {
        for i in kinds.indices { (forwardSeconds[i], backwardSeconds[i]) = (0, 0) }
        started = Stopwatch.now()
    }
}
