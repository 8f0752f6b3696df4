namespace Workbench.EarlyExit;

/// <summary>One point of a risk-coverage curve: keep the <paramref name="Coverage"/> most confident samples, of which
/// a share <paramref name="Risk"/> is wrong; <paramref name="Threshold"/> is the lowest confidence kept.</summary>
public readonly record struct RiskCoveragePoint(double Coverage, double Risk, double Threshold);

/// <summary>Selective classification: accept a prediction only when its confidence clears a threshold. Shared by
/// every early-exit paper that trades coverage for risk (window cascades, exit heads as abstainers).</summary>
public static class Selective
{
    /// <summary>The risk-coverage curve: one point per distinct confidence, from the most confident sample down.</summary>
    public static IReadOnlyList<RiskCoveragePoint> Curve(IReadOnlyList<double> confidence, IReadOnlyList<bool> correct)
    {
        Check(confidence, correct);
        var order = Enumerable.Range(0, confidence.Count).OrderByDescending(i => confidence[i]).ToArray();
        var points = new List<RiskCoveragePoint>();
        int errors = 0;
        for (int k = 0; k < order.Length; k++)
        {
            if (!correct[order[k]]) errors++;
            bool lastOfTie = k == order.Length - 1 || confidence[order[k + 1]] != confidence[order[k]];
            if (lastOfTie) points.Add(new RiskCoveragePoint((k + 1.0) / order.Length, errors / (k + 1.0), confidence[order[k]]));
        }
        return points;
    }

    /// <summary>The largest coverage whose risk is at most <paramref name="risk"/> (0 when even the most confident
    /// samples are too often wrong), with its threshold.</summary>
    public static RiskCoveragePoint AtRisk(IReadOnlyList<double> confidence, IReadOnlyList<bool> correct, double risk)
    {
        var best = new RiskCoveragePoint(0, 0, double.PositiveInfinity);
        foreach (var p in Curve(confidence, correct))
            if (p.Risk <= risk && p.Coverage > best.Coverage) best = p;
        return best;
    }

    /// <summary>Coverage at the given risk (e.g. 0.05): the paper's operating-point metric.</summary>
    public static double CoverageAtRisk(IReadOnlyList<double> confidence, IReadOnlyList<bool> correct, double risk) =>
        AtRisk(confidence, correct, risk).Coverage;

    /// <summary>AUROC of confidence as a detector of correct predictions (ties count half).</summary>
    public static double Auroc(IReadOnlyList<double> confidence, IReadOnlyList<bool> correct)
    {
        Check(confidence, correct);
        var ranked = Enumerable.Range(0, confidence.Count).OrderBy(i => confidence[i]).ToArray();
        // Mann-Whitney: average ranks over ties, then the positives' rank sum.
        var rank = new double[ranked.Length];
        for (int a = 0; a < ranked.Length;)
        {
            int b = a;
            while (b + 1 < ranked.Length && confidence[ranked[b + 1]] == confidence[ranked[a]]) b++;
            for (int k = a; k <= b; k++) rank[ranked[k]] = (a + b) / 2.0 + 1;
            a = b + 1;
        }
        long positives = correct.Count(c => c), negatives = correct.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        double sum = Enumerable.Range(0, rank.Length).Where(i => correct[i]).Sum(i => rank[i]);
        return (sum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>The q-quantile (0..1, linear interpolation) of values.</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) throw new ArgumentException("no values");
        var sorted = values.OrderBy(v => v).ToArray();
        double pos = Math.Clamp(q, 0, 1) * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>Share of values strictly below x (the percentile of a threshold among confidences).</summary>
    public static double RankOf(IReadOnlyList<double> values, double x) => values.Count == 0 ? 0 : values.Count(v => v < x) / (double)values.Count;

    static void Check(IReadOnlyList<double> confidence, IReadOnlyList<bool> correct)
    {
        if (confidence.Count != correct.Count) throw new ArgumentException($"{confidence.Count} confidences but {correct.Count} outcomes");
        if (confidence.Count == 0) throw new ArgumentException("no samples");
    }
}
