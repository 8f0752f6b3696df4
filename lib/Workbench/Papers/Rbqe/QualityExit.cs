using Workbench.EarlyExit;

namespace Workbench.Papers.Rbqe;

/// <summary>One compressed test image enhanced by every output: PSNR against the original and the no-reference
/// score, per output (index 0 = output 1).</summary>
public sealed record EnhancedSample(int Image, string Source, int Quality, double InputPsnr, double InputScore, double[] Psnr, double[] Score)
{
    /// <summary>The exit signals the policy sees: output k's quality score.</summary>
    public ExitSignal[] Signals => Score.Select((s, k) => new ExitSignal(k, Quality: s)).ToArray();

    /// <summary>RBQE's rule: the first output whose score reaches <paramref name="threshold"/>, else the last.</summary>
    public int ExitAt(double threshold) => ExitDecision.FirstExit(new QualityPolicy(threshold), Signals);

    /// <summary>PSNR gain over the compressed input at an output.</summary>
    public double Gain(int exit) => Psnr[exit] - InputPsnr;
}

/// <summary>What a threshold does on a set of samples: mean exit, mean PSNR gain and mean FLOPs per image.</summary>
public sealed record ThresholdPoint(double Threshold, double MeanExit, double MeanGain, double MeanFlops);

/// <summary>The cost model of the early-exit pass: FLOPs of a fixed-depth network cut at each output, and of a dynamic
/// pass that stops at an output after running every earlier head and scoring every output it produced.</summary>
/// <param name="Fixed">FLOPs of a network cut at output k (stages 1..k and head k), index k-1.</param>
/// <param name="Dynamic">FLOPs of the dynamic pass exiting at output k (stages 1..k, heads 1..k, k scores), index k-1.</param>
public sealed record ExitCosts(double[] Fixed, double[] Dynamic)
{
    /// <summary>The sweep point of one threshold over <paramref name="samples"/>.</summary>
    public ThresholdPoint At(double threshold, IReadOnlyList<EnhancedSample> samples)
    {
        var exits = samples.Select(s => s.ExitAt(threshold)).ToArray();
        return new ThresholdPoint(threshold, exits.Average(), samples.Select((s, i) => s.Gain(exits[i])).Average(), exits.Average(e => Dynamic[e]));
    }

    /// <summary>Thresholds from below every score to above every score (quantiles of the scores in between), in
    /// increasing order, each with its point: the dynamic curve from "always output 1" to "always the last output".</summary>
    public IReadOnlyList<ThresholdPoint> Sweep(IReadOnlyList<EnhancedSample> samples, int steps = 40)
    {
        var scores = samples.SelectMany(s => s.Score).OrderBy(v => v).ToArray();
        var thresholds = Enumerable.Range(0, steps + 1).Select(i => scores[(int)Math.Round((double)i / steps * (scores.Length - 1))])
            .Prepend(double.NegativeInfinity).Append(double.PositiveInfinity).Distinct();
        return thresholds.Select(t => At(t, samples)).ToList();
    }

    /// <summary>The dynamic curve's gain at <paramref name="flops"/> by linear interpolation between sweep points
    /// (sorted by FLOPs); NaN outside the curve's range.</summary>
    public static double GainAt(IReadOnlyList<ThresholdPoint> curve, double flops)
    {
        var pts = curve.OrderBy(p => p.MeanFlops).ToList();
        if (pts.Count == 0 || flops < pts[0].MeanFlops - 1e-6 || flops > pts[^1].MeanFlops + 1e-6) return double.NaN;
        for (int i = 0; i + 1 < pts.Count; i++)
            if (flops <= pts[i + 1].MeanFlops)
            {
                double span = pts[i + 1].MeanFlops - pts[i].MeanFlops;
                double t = span <= 0 ? 1 : (flops - pts[i].MeanFlops) / span;
                return pts[i].MeanGain + t * (pts[i + 1].MeanGain - pts[i].MeanGain);
            }
        return pts[^1].MeanGain;
    }
}
