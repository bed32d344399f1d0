/// A research report as structure, rendered to Markdown or to self-contained HTML. Text
/// may mark code with backticks, as Markdown does; each renderer turns that into its own form.
public struct ReportDocument: Sendable {
    /// One block of a section, rendered by each format in its own way.
    public enum Block: Sendable {
        case paragraph(String)
        case table(header: [String], rows: [[String]])
        case code(String)
        case checklist([Check])
        /// One metric per seed with mean and 95% interval, for each group of runs.
        case chart(MetricChart)
    }

    /// A titled part of the report.
    struct Section: Sendable {
        /// Its heading.
        let title: String
        /// The section's blocks, in order.
        public let blocks: [Block]
    }

    /// One item of the reproducibility checklist, marked from the records.
    public struct Check: Sendable {
        /// How far a checklist item is met.
        public enum Mark: String, Sendable {
            case met = "yes"
            case partly
            case unmet = "no"

            /// The mark as a symbol: ✅, ⚠️, ❌.
            var symbol: String {
                switch self {
                case .met: "✅"
                case .partly: "⚠️"
                case .unmet: "❌"
                }
            }
        }

        /// How far it is met.
        public let mark: Mark
        /// What is checked.
        let item: String
        /// What the records show about it.
        let detail: String
    }

    /// A metric's values per seed in each group of runs (the baseline, then the candidate).
    public struct MetricChart: Sendable {
        /// One group of runs in a chart.
        struct Group: Sendable {
            /// The group's label: `baseline`, `candidate`.
            public let label: String
            /// Each run's seed and value.
            public let values: [(seed: Int?, value: Double)]
            /// Its mean and interval, when it has two runs or more.
            let statistics: SeedStatistics
        }

        /// The metric charted.
        public let metric: String
        /// The groups charted side by side.
        let groups: [Group]
    }

    /// The report's title.
    let title: String
    /// How strong the evidence is, in one sentence.
    public let evidence: String
    /// Its sections, in order.
    let sections: [Section]
}
