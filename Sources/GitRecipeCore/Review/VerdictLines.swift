extension Verdict {
    /// One line per difference, for the terminal.
    public var lines: [String] {
        outputs.map { "output \($0.path): \($0.run ?? "absent") in the run, \($0.reproduction ?? "absent") now" }
            + metrics.map { metric in
                let values =
                    "\(metric.run.map(SeedStatistics.format) ?? "absent") in the run, \(metric.reproduction.map(SeedStatistics.format) ?? "absent") now"
                guard let run = metric.run, let now = metric.reproduction else { return "metric \(metric.name): \(values)" }
                let delta = "Δ \(SeedStatistics.format(now - run))"
                return "metric \(metric.name): \(values) (\(delta), "
                    + (metric.isTolerated
                        ? "within tolerance \(SeedStatistics.format(metric.tolerance)))"
                        : (metric.tolerance == 0 ? "no tolerance declared)" : "beyond tolerance \(SeedStatistics.format(metric.tolerance)))"))
            }
    }
}
