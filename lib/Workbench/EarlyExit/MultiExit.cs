namespace Workbench.EarlyExit;

/// <summary>A multi-exit classifier's softmax outputs at every exit on a set of samples, and what answering at each
/// exit costs. The last exit is the full model, which always answers.</summary>
/// <param name="Name">Legend name.</param>
/// <param name="ExitNames">Per exit, a label such as "layer 3".</param>
/// <param name="Probs">[exit][sample][class] probabilities.</param>
/// <param name="CostToExit">Per exit, the cost (e.g. FLOPs) of a sample that stops there, everything run on the way included.</param>
/// <param name="FullCost">The cost of the plain model without exits: the reference of the speedup.</param>
public sealed record MultiExitOutputs(string Name, IReadOnlyList<string> ExitNames, double[][][] Probs, double[] CostToExit, double FullCost)
{
    /// <summary>Number of exits, the final one included.</summary>
    public int Exits => Probs.Length;

    /// <summary>Number of samples.</summary>
    public int Samples => Probs[0].Length;

    /// <summary>What a policy sees at one exit of one sample: prediction, top-1 probability, entropy.</summary>
    public ExitSignal Signal(int exit, int sample)
    {
        var p = Probs[exit][sample];
        double entropy = 0;
        foreach (var q in p) if (q > 0) entropy -= q * Math.Log(q);
        return new ExitSignal(exit, MemberOutputs.ArgMax(p), p.Max(), entropy);
    }

    /// <summary>Accuracy of one exit on every sample (as if every sample stopped there).</summary>
    public double ExitAccuracy(int exit, IReadOnlyList<int> labels) =>
        Enumerable.Range(0, Samples).Count(i => MemberOutputs.ArgMax(Probs[exit][i]) == labels[i]) / (double)Samples;

    /// <summary>Applies a policy to every sample: each stops at its first exit where the policy says so.</summary>
    public EarlyExitOutcome Run(IExitPolicy policy, IReadOnlyList<int> labels)
    {
        if (labels.Count != Samples) throw new ArgumentException($"{Samples} samples but {labels.Count} labels");
        var exitOf = new int[Samples];
        var predictions = new int[Samples];
        double cost = 0;
        int correct = 0;
        for (int i = 0; i < Samples; i++)
        {
            int sample = i;
            exitOf[i] = ExitDecision.FirstExit(policy, Enumerable.Range(0, Exits).Select(k => Signal(k, sample)).ToArray());
            predictions[i] = MemberOutputs.ArgMax(Probs[exitOf[i]][i]);
            cost += CostToExit[exitOf[i]];
            if (predictions[i] == labels[i]) correct++;
        }
        double average = cost / Samples;
        return new EarlyExitOutcome(policy.Name, exitOf, predictions, correct / (double)Samples, average, FullCost / average);
    }
}

/// <summary>One policy's result on a set of samples.</summary>
/// <param name="Policy">The policy's name.</param>
/// <param name="ExitOf">Per sample, the exit it stopped at.</param>
/// <param name="Predictions">Per sample, the prediction of that exit.</param>
/// <param name="Accuracy">Share of correct predictions.</param>
/// <param name="AverageCost">Mean cost per sample.</param>
/// <param name="Speedup">The plain model's cost over the mean cost.</param>
public sealed record EarlyExitOutcome(string Policy, int[] ExitOf, int[] Predictions, double Accuracy, double AverageCost, double Speedup)
{
    /// <summary>Share of samples stopping at each of <paramref name="exits"/> exits.</summary>
    public double[] ExitShares(int exits)
    {
        var shares = new double[exits];
        foreach (var e in ExitOf) shares[e] += 1.0 / ExitOf.Length;
        return shares;
    }
}

/// <summary>One point of an accuracy-speedup curve.</summary>
public readonly record struct SpeedupPoint(double Threshold, double Speedup, double Accuracy);

/// <summary>How curve A compares with curve B over the speedups both reach: accuracy gaps (A - B) at evenly spaced
/// matched speedups.</summary>
/// <param name="Low">Lowest matched speedup.</param>
/// <param name="High">Highest matched speedup.</param>
/// <param name="MinGap">Smallest gap, and where it is.</param>
/// <param name="AtSpeedup">The speedup of the smallest gap.</param>
/// <param name="MeanGap">Mean gap.</param>
public sealed record CurveComparison(double Low, double High, double MinGap, double AtSpeedup, double MeanGap)
{
    /// <summary>A is more accurate than B at every matched speedup (and the curves overlap at all).</summary>
    public bool Dominates => High >= Low && MinGap > 0;
}

/// <summary>Accuracy-speedup curves of confidence-based early exit: sweep the threshold, compare at matched speedups.</summary>
public static class EarlyExitCurves
{
    /// <summary>One point per threshold of the confidence policy (exit at the first exit with top-1 probability ≥ t).</summary>
    public static IReadOnlyList<SpeedupPoint> ConfidenceSweep(MultiExitOutputs outputs, IEnumerable<double> thresholds, IReadOnlyList<int> labels) =>
        thresholds.Select(t =>
        {
            var o = outputs.Run(new ConfidencePolicy(t), labels);
            return new SpeedupPoint(t, o.Speedup, o.Accuracy);
        }).ToList();

    /// <summary>Accuracy at a speedup, linearly interpolated between the curve's points; NaN outside its range.</summary>
    public static double AccuracyAt(IReadOnlyList<SpeedupPoint> curve, double speedup)
    {
        var pts = curve.OrderBy(p => p.Speedup).ToArray();
        if (pts.Length == 0 || speedup < pts[0].Speedup - 1e-12 || speedup > pts[^1].Speedup + 1e-12) return double.NaN;
        for (int i = 0; i < pts.Length - 1; i++)
            if (speedup <= pts[i + 1].Speedup)
            {
                double span = pts[i + 1].Speedup - pts[i].Speedup;
                double w = span <= 0 ? 1 : (speedup - pts[i].Speedup) / span;
                return pts[i].Accuracy + w * (pts[i + 1].Accuracy - pts[i].Accuracy);
            }
        return pts[^1].Accuracy;
    }

    /// <summary>Compares curve <paramref name="a"/> with <paramref name="b"/> at <paramref name="points"/> evenly
    /// spaced speedups in the range both curves cover.</summary>
    public static CurveComparison Compare(IReadOnlyList<SpeedupPoint> a, IReadOnlyList<SpeedupPoint> b, int points = 100)
    {
        double low = Math.Max(a.Min(p => p.Speedup), b.Min(p => p.Speedup));
        double high = Math.Min(a.Max(p => p.Speedup), b.Max(p => p.Speedup));
        if (high < low) return new CurveComparison(low, high, double.NaN, double.NaN, double.NaN);
        double minGap = double.PositiveInfinity, at = low, sum = 0;
        for (int i = 0; i < points; i++)
        {
            double s = points == 1 ? low : low + (high - low) * i / (points - 1);
            double gap = AccuracyAt(a, s) - AccuracyAt(b, s);
            sum += gap;
            if (gap < minGap) (minGap, at) = (gap, s);
        }
        return new CurveComparison(low, high, minGap, at, sum / points);
    }

    /// <summary>The fastest point whose accuracy is at most <paramref name="maxLoss"/> below
    /// <paramref name="referenceAccuracy"/>, or null when none is.</summary>
    public static SpeedupPoint? FastestWithin(IReadOnlyList<SpeedupPoint> curve, double referenceAccuracy, double maxLoss) =>
        curve.Where(p => p.Accuracy >= referenceAccuracy - maxLoss - 1e-12).OrderByDescending(p => p.Speedup).Cast<SpeedupPoint?>().FirstOrDefault();
}
