using Workbench.EarlyExit;

namespace Workbench.Tests.Shared;

public class SelectiveAndCascadeTests
{
    // Six samples by falling confidence: right, right, wrong, right, wrong, right.
    static readonly double[] Conf = { 0.99, 0.95, 0.9, 0.8, 0.7, 0.6 };
    static readonly bool[] Correct = { true, true, false, true, false, true };

    [Fact]
    public void RiskCoverageCurveAndCoverageAtRisk()
    {
        var curve = Selective.Curve(Conf, Correct);
        Assert.Equal(6, curve.Count);
        Assert.Equal(new[] { 0.0, 0.0, 1 / 3.0, 1 / 4.0, 2 / 5.0, 2 / 6.0 }, curve.Select(p => p.Risk).ToArray());
        Assert.Equal(2 / 6.0, Selective.CoverageAtRisk(Conf, Correct, 0.05), 12);  // only the two most confident
        Assert.Equal(4 / 6.0, Selective.CoverageAtRisk(Conf, Correct, 0.25), 12);  // 1 error in 4
        Assert.Equal(0.8, Selective.AtRisk(Conf, Correct, 0.25).Threshold);
        Assert.Equal(0.0, Selective.CoverageAtRisk(new[] { 0.9 }, new[] { false }, 0.05));
    }

    [Fact]
    public void TiedConfidencesAreAcceptedOrRejectedTogether()
    {
        var curve = Selective.Curve(new[] { 0.9, 0.9, 0.5 }, new[] { true, false, true });
        Assert.Equal(new[] { 2 / 3.0, 1.0 }, curve.Select(p => p.Coverage).ToArray());
    }

    [Fact]
    public void AurocCountsPairsRankedRight()
    {
        // Positives at 0.99, 0.95, 0.8, 0.6; negatives at 0.9, 0.7: of 8 pairs, 0.6 loses to both, 0.8 to 0.9 -> 5/8.
        Assert.Equal(5 / 8.0, Selective.Auroc(Conf, Correct), 12);
        Assert.Equal(0.5, Selective.Auroc(new[] { 0.5, 0.5 }, new[] { true, false }));
    }

    [Fact]
    public void QuantileAndRank()
    {
        var v = new[] { 4.0, 1, 3, 2, 5 };
        Assert.Equal(3.0, Selective.Quantile(v, 0.5));
        Assert.Equal(1.5, Selective.Quantile(v, 0.125));
        Assert.Equal(0.4, Selective.RankOf(v, 3));
    }

    static MemberOutputs Member(string name, double macs, params double[][] probs) => new(name, probs, macs);

    [Fact]
    public void CascadesPassOnlyWhatTheirRuleSelectsAndPayForIt()
    {
        var a = Member("a", 100, new[] { 0.9, 0.1 }, new[] { 0.6, 0.4 }, new[] { 0.3, 0.7 }, new[] { 0.55, 0.45 });
        var b = Member("b", 300, new[] { 0.1, 0.9 }, new[] { 0.2, 0.8 }, new[] { 0.1, 0.9 }, new[] { 0.9, 0.1 });
        var window = Cascade.WindowCascade("w", a, b, (0.58, 0.75));  // confidences 0.9, 0.6, 0.7, 0.55: two inside
        Assert.Equal(0.5, window.Passed);
        Assert.Equal(100 + 0.5 * 300, window.AverageMacs);
        Assert.Equal(new[] { 0.9, 0.1 }, window.Probs[0]);            // exited at the first member
        Assert.Equal(new[] { 0.4, 0.6 }, window.Probs[1], new ToleranceComparer()); // averaged
        var low = Cascade.LowConfidenceCascade("l", a, b, 0.65);     // 0.6 and 0.55 go on
        Assert.Equal(new[] { 0.725, 0.275 }, low.Probs[3], new ToleranceComparer());
        var ensemble = Cascade.Ensemble("e", a, b);
        Assert.Equal(400, ensemble.AverageMacs);
        Assert.Equal(0.5, ensemble.Accuracy(new[] { 1, 1, 1, 1 })); // averaged: (0.5, 0.5) ties to class 0, (0.4, 0.6), (0.2, 0.8), (0.725, 0.275)
    }

    [Fact]
    public void TheWindowSurroundsTheThresholdsPercentileOnValidation()
    {
        // 100 validation samples with confidence i/100; wrong below 0.3 and every 10th above: the 5%-risk threshold
        // is where errors start to pile up, and the window spans 10 percentiles either side of it.
        var probs = Enumerable.Range(0, 100).Select(i => new[] { 0.5 + i / 200.0, 0.5 - i / 200.0 }).ToArray();
        var labels = Enumerable.Range(0, 100).Select(i => i < 30 || i % 10 == 5 ? 1 : 0).ToArray();
        var member = Member("m", 1, probs);
        double t = Selective.AtRisk(member.Confidence, member.Predictions.Select((p, i) => p == labels[i]).ToArray(), 0.05).Threshold;
        var (lo, hi) = Cascade.Window(member, labels, 0.05, 0.1);
        double q = Selective.RankOf(member.Confidence, t);
        Assert.Equal(Selective.Quantile(member.Confidence, q - 0.1), lo, 12);
        Assert.Equal(Selective.Quantile(member.Confidence, q + 0.1), hi, 12);
        Assert.True(lo < t && t < hi, $"window [{lo}, {hi}] should contain the threshold {t}");
    }

    sealed class ToleranceComparer : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) < 1e-9;
        public int GetHashCode(double obj) => 0;
    }
}
