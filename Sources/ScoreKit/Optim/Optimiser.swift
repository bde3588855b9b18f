/// An update rule for a flat parameter buffer from its gradients, apart from the model (after
/// MLXOptimizers): it owns only its own state, laid out like the parameters. `Adam` conforms.
public protocol Optimiser: AnyObject {
    /// Updates taken so far.
    var step: Int { get }
    /// One update of `parameters` from `gradients` (both of the count the optimiser was made for).
    func update(parameters: FloatBuffer, gradients: FloatBuffer)
    /// Its state now, and a way back to it: `restore` throws `OptimiserState.Mismatch` for a
    /// state of another optimiser or size, leaving this one unchanged.
    var state: OptimiserState { get }
    func restore(_ state: OptimiserState) throws
}
