import Foundation

/// Student's t distribution with real-valued degrees of freedom (Welch's test gives
/// fractional ones): its distribution function through the regularized incomplete beta
/// function, and its quantiles by bisection on that. Checked against scipy in the tests.
struct StudentT {
    /// The degrees of freedom, > 0.
    let degreesOfFreedom: Double

    /// P(T ≤ t).
    func cumulative(_ t: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let tail = 0.5 * Self.incompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), a: degreesOfFreedom / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// P(|T| ≥ |t|): the two-sided p-value of `t`.
    func twoSided(_ t: Double) -> Double {
        guard t.isFinite else { return 0 }
        return Self.incompleteBeta(degreesOfFreedom / (degreesOfFreedom + t * t), a: degreesOfFreedom / 2, b: 0.5)
    }

    /// The t with P(T ≤ t) = `probability`, for 0 < probability < 1.
    func quantile(_ probability: Double) -> Double {
        guard probability != 0.5 else { return 0 }
        guard probability > 0.5 else { return -quantile(1 - probability) }
        // The upper tail shrinks as t grows: bracket it, then halve the bracket.
        var low = 0.0
        var high = 1.0
        while cumulative(high) < probability { (low, high) = (high, high * 2) }
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if middle == low || middle == high { break }
            if cumulative(middle) < probability { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// The regularized incomplete beta function I_x(a, b), by its continued fraction
    /// (modified Lentz), on whichever side of the mean converges fast.
    static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        let logBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let front: Double = exp(a * log(x) + b * log(1 - x) - logBeta)
        if x > (a + 1) / (a + b + 2) { return 1 - front * continuedFraction(1 - x, a: b, b: a) / b }
        return front * continuedFraction(x, a: a, b: b) / a
    }

    /// The continued fraction of I_x(a, b).
    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        d = abs(d) < tiny ? tiny : d
        d = 1 / d
        var result = d
        for m in 1...10_000 {
            let m = Double(m)
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            for numerator in [even, odd] {
                d = 1 + numerator * d
                d = abs(d) < tiny ? tiny : d
                c = 1 + numerator / c
                c = abs(c) < tiny ? tiny : c
                d = 1 / d
                result *= d * c
            }
            if abs(d * c - 1) < 1e-15 { break }
        }
        return result
    }
}
