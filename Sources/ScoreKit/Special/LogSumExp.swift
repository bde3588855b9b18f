import RealModule

/// log(sum_i exp(v_i)) = m + log(sum_i exp(v_i - m)) with m = max_i v_i, so that no exponential
/// overflows and values far below zero keep their precision. Edge cases: an empty input, or one
/// of -inf only, gives -inf; +inf anywhere gives +inf; NaN anywhere gives NaN.
public func logSumExp(_ values: [Double]) -> Double {
    if values.contains(where: \.isNaN) { return .nan }
    guard let top = values.max(), top > -.infinity else { return -.infinity }
    guard top < .infinity else { return .infinity }
    return top + .log(values.reduce(0) { $0 + .exp($1 - top) })
}

/// log(exp(a) + exp(b)) = max + log(1 + exp(-|a - b|)), through `log(onePlus:)` so that a term
/// far below the other still counts to the last bit. -inf for two -inf; NaN for a NaN.
public func logAddExp(_ a: Double, _ b: Double) -> Double {
    if a.isNaN || b.isNaN { return .nan }
    let top = max(a, b), bottom = min(a, b)
    guard bottom > -.infinity else { return top }
    guard top < .infinity else { return .infinity }
    return top + .log(onePlus: .exp(bottom - top))
}
