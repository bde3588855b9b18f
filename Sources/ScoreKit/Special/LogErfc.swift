import RealModule

/// log(erfc(t)) for any t, without underflow: log of `Double.erfc` where erfc(t) is a normal
/// double (t <= 26), and beyond that the asymptotic series
///     erfc(t) = e^(-t^2) / (t sqrt(pi)) (1 - 1/(2t^2) + 3/(4t^4) - 15/(8t^6) + ...),
/// whose truncation error at t > 26 is below 1e-12 relative. erfc(-inf) = 2 gives log 2;
/// +inf gives -inf; NaN gives NaN.
public func logErfc(_ t: Double) -> Double {
    guard t > 26 else { return .log(.erfc(t)) }
    guard t < .infinity else { return -.infinity }
    let inverse = 1 / (t * t)
    let series = 1 - 0.5 * inverse + 0.75 * inverse * inverse - 1.875 * inverse * inverse * inverse
    return -t * t - .log(t * Double.pi.squareRoot()) + .log(series)
}
