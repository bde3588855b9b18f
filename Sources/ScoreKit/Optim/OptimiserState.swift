/// What an optimiser carries from step to step, to save a run and continue it exactly: its step
/// count and named buffers laid out like the parameters (Adam: the two moments).
public struct OptimiserState: Equatable, Sendable {
    public var step: Int
    public var buffers: [String: [Float]]

    public init(step: Int, buffers: [String: [Float]]) {
        self.step = step
        self.buffers = buffers
    }

    /// A saved state that does not fit the optimiser asked to take it.
    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }
}
