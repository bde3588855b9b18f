/// A fixed-size, zero-initialised block of `Float` owned by one object, for hot loops.
///
/// Unlike `[Float]` it never copies on write and needs no exclusivity checks, so the network,
/// the optimiser and the samplers can hand its pointer to BLAS and to kernels step after step
/// without allocating. It is a reference type: sharing one means sharing the memory.
public final class FloatBuffer {
    public let count: Int
    package let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer: negative count \(count)")
        self.count = count
        // 64-byte alignment keeps AVX-512 loads aligned at the start of every buffer.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    /// The contents as a new array.
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Copies all of `other` into this buffer; the counts must match.
    public func copy(from other: FloatBuffer) {
        precondition(other.count == count, "FloatBuffer.copy: \(other.count) into \(count)")
        pointer.update(from: other.pointer, count: count)
    }

    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { Kernels.countNonFinite(count: count, pointer) == 0 }
}
