/// A research report as structure, rendered to Markdown or to self-contained HTML. Text
/// may mark code with backticks, as Markdown does; each renderer turns that into its own form.
public struct ReportDocument: Sendable {
    public enum Block: Sendable {
        case paragraph(String)
        case table(header: [String], rows: [[String]])
        case code(String)
        case checklist([Check])
        /// One metric per seed with mean and 95% interval, for each group of runs.
        case chart(MetricChart)
    }

    public struct Section: Sendable {
        public let title: String
        public let blocks: [Block]
    }

    /// One item of the reproducibility checklist, marked from the records.
    public struct Check: Sendable {
        public enum Mark: String, Sendable {
            case met = "yes"
            case partly
            case unmet = "no"

            var symbol: String {
                switch self {
                case .met: "✅"
                case .partly: "⚠️"
                case .unmet: "❌"
                }
            }
        }

        public let mark: Mark
        public let item: String
        public let detail: String
    }

    /// A metric's values per seed in each group of runs (the baseline, then the candidate).
    public struct MetricChart: Sendable {
        public struct Group: Sendable {
            public let label: String
            public let values: [(seed: Int?, value: Double)]
            public let statistics: SeedStatistics
        }

        public let metric: String
        public let groups: [Group]
    }

    public let title: String
    /// How strong the evidence is, in one sentence.
    public let evidence: String
    public let sections: [Section]
}
