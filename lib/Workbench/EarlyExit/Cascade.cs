namespace Workbench.EarlyExit;

/// <summary>A classifier's softmax outputs on a set of samples and what one sample costs.</summary>
/// <param name="Name">Legend name, e.g. "MLP x2 seed 0".</param>
/// <param name="Probs">Per sample, the class probabilities.</param>
/// <param name="Macs">Multiply-accumulates per sample.</param>
public sealed record MemberOutputs(string Name, double[][] Probs, double Macs)
{
    /// <summary>Max-softmax confidence per sample.</summary>
    public double[] Confidence => Probs.Select(p => p.Max()).ToArray();

    /// <summary>Predicted class per sample.</summary>
    public int[] Predictions => Probs.Select(ArgMax).ToArray();

    internal static int ArgMax(double[] p)
    {
        int best = 0;
        for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
        return best;
    }
}

/// <summary>What a cascade or ensemble produced on a set of samples: final probabilities and the average cost.</summary>
/// <param name="Name">Legend name.</param>
/// <param name="Probs">Final class probabilities per sample.</param>
/// <param name="AverageMacs">Mean multiply-accumulates per sample (members actually run).</param>
/// <param name="Passed">Share of samples that went on to the second member.</param>
public sealed record CascadeOutputs(string Name, double[][] Probs, double AverageMacs, double Passed)
{
    /// <summary>Max-softmax confidence per sample.</summary>
    public double[] Confidence => Probs.Select(p => p.Max()).ToArray();

    /// <summary>Per sample: is the prediction the true label?</summary>
    public bool[] Correct(IReadOnlyList<int> labels) => Probs.Select((p, i) => MemberOutputs.ArgMax(p) == labels[i]).ToArray();

    /// <summary>The risk-coverage curve against the true labels.</summary>
    public IReadOnlyList<RiskCoveragePoint> Curve(IReadOnlyList<int> labels) => Selective.Curve(Confidence, Correct(labels));

    /// <summary>Coverage at the given risk against the true labels.</summary>
    public double CoverageAtRisk(IReadOnlyList<int> labels, double risk) => Selective.CoverageAtRisk(Confidence, Correct(labels), risk);

    /// <summary>Accuracy against the true labels.</summary>
    public double Accuracy(IReadOnlyList<int> labels) => Correct(labels).Count(c => c) / (double)Probs.Length;
}

/// <summary>Ensembles and two-member early-exit cascades (Xia &amp; Bouganis, window-based early-exit cascades): run
/// the first member, and pass a sample on to the second only when its confidence calls for it; passed samples get the
/// average of both members' outputs.</summary>
public static class Cascade
{
    /// <summary>A single model as a cascade of one (for plotting next to the others).</summary>
    public static CascadeOutputs Single(MemberOutputs m) => new(m.Name, m.Probs, m.Macs, 0);

    /// <summary>The full ensemble: every member on every sample, outputs averaged.</summary>
    public static CascadeOutputs Ensemble(string name, params MemberOutputs[] members)
    {
        if (members.Length == 0) throw new ArgumentException("an ensemble needs members");
        int n = members[0].Probs.Length;
        if (members.Any(m => m.Probs.Length != n)) throw new ArgumentException("members were run on different sample sets");
        var probs = Enumerable.Range(0, n).Select(i => Average(members.Select(m => m.Probs[i]).ToArray())).ToArray();
        return new CascadeOutputs(name, probs, members.Sum(m => m.Macs), 1);
    }

    /// <summary>Passes sample i on when <paramref name="pass"/>(confidence of the first member) holds.</summary>
    public static CascadeOutputs Run(string name, MemberOutputs first, MemberOutputs second, Func<double, bool> pass)
    {
        if (first.Probs.Length != second.Probs.Length) throw new ArgumentException("members were run on different sample sets");
        int n = first.Probs.Length, passed = 0;
        var probs = new double[n][];
        for (int i = 0; i < n; i++)
        {
            if (pass(first.Probs[i].Max())) { probs[i] = Average(first.Probs[i], second.Probs[i]); passed++; }
            else probs[i] = first.Probs[i];
        }
        double share = n == 0 ? 0 : passed / (double)n;
        return new CascadeOutputs(name, probs, first.Macs + share * second.Macs, share);
    }

    /// <summary>The window around the selective-classification threshold, from validation outputs of the first member:
    /// t = the threshold that reaches the operating risk, q = its percentile among validation confidences, window =
    /// [Quantile(q - halfWidth), Quantile(q + halfWidth)]. Samples far above t are safely accepted and far below safely
    /// rejected either way; only those near t can change side by a second opinion.</summary>
    public static (double Low, double High) Window(MemberOutputs firstOnValidation, IReadOnlyList<int> validationLabels, double risk, double halfWidth = 0.1)
    {
        var conf = firstOnValidation.Confidence;
        var correct = firstOnValidation.Predictions.Select((p, i) => p == validationLabels[i]).ToArray();
        double t = Selective.AtRisk(conf, correct, risk).Threshold;
        double q = Selective.RankOf(conf, t);
        return (Selective.Quantile(conf, q - halfWidth), Selective.Quantile(conf, q + halfWidth));
    }

    /// <summary>The window cascade.</summary>
    public static CascadeOutputs WindowCascade(string name, MemberOutputs first, MemberOutputs second, (double Low, double High) window) =>
        Run(name, first, second, c => c >= window.Low && c <= window.High);

    /// <summary>The baseline cascade: pass on the least confident share of samples (threshold from validation).</summary>
    public static CascadeOutputs LowConfidenceCascade(string name, MemberOutputs first, MemberOutputs second, double belowQuantileOnValidation)
        => Run(name, first, second, c => c < belowQuantileOnValidation);

    static double[] Average(params double[][] ps)
    {
        var avg = new double[ps[0].Length];
        foreach (var p in ps) for (int c = 0; c < avg.Length; c++) avg[c] += p[c] / ps.Length;
        return avg;
    }
}
