namespace Workbench.Decoding.Speculative;

/// <summary>The common metrics of a speculative trace, computed from its rounds.</summary>
/// <param name="Rounds">Draft-verify rounds (= target verify calls; the prompt prefill is not counted).</param>
/// <param name="DraftCalls">Draft forward calls.</param>
/// <param name="Drafted">Drafted tokens.</param>
/// <param name="Accepted">Drafted tokens kept (standard or judge).</param>
/// <param name="Emitted">Output tokens (kept drafts plus one target token per round).</param>
/// <param name="MeanTokensPerTargetCall">Output tokens per target call, bonus included (1.0 for plain decoding).</param>
/// <param name="AcceptanceRate">Kept drafted tokens / drafted tokens.</param>
/// <param name="AcceptanceByPosition">For draft position i (0-based): kept / rounds that drafted at least i+1 tokens.</param>
/// <param name="MeanDrafted">Drafted tokens per round (γ unless drafting stopped early).</param>
/// <param name="DraftWall">Measured draft time.</param>
/// <param name="TargetVerifyWall">Measured target time in verify calls (prefill excluded).</param>
public sealed record SpeculativeMetrics(int Rounds, long DraftCalls, int Drafted, int Accepted, int Emitted, double MeanTokensPerTargetCall,
    double AcceptanceRate, double[] AcceptanceByPosition, double MeanDrafted, TimeSpan DraftWall, TimeSpan TargetVerifyWall)
{
    /// <summary>Measured decode time: draft plus target verify calls (plus the verifier's own bookkeeping).</summary>
    public TimeSpan DecodeWall { get; init; }

    /// <summary>Metrics of a trace.</summary>
    public static SpeculativeMetrics Of(SpeculativeTrace trace)
    {
        var steps = trace.Steps;
        int drafted = steps.Sum(s => s.Drafted.Count), accepted = steps.Sum(s => s.Accepted), emitted = steps.Sum(s => s.Emitted);
        int maxLen = steps.Count == 0 ? 0 : steps.Max(s => s.Drafted.Count);
        var byPosition = Enumerable.Range(0, maxLen).Select(i =>
        {
            var reached = steps.Where(s => s.Drafted.Count > i).ToList();
            return reached.Count == 0 ? double.NaN : reached.Count(s => s.Accepted > i) / (double)reached.Count;
        }).ToArray();
        var draftWall = TimeSpan.FromTicks(steps.Sum(s => s.Cost.DraftWall.Ticks));
        var targetWall = TimeSpan.FromTicks(steps.Sum(s => s.Cost.TargetWall.Ticks));
        var verifyWall = TimeSpan.FromTicks(steps.Sum(s => s.Cost.VerifyWall.Ticks));
        return new SpeculativeMetrics(steps.Count, steps.Sum(s => (long)s.Cost.DraftCalls), drafted, accepted, emitted,
            steps.Count == 0 ? 0 : emitted / (double)steps.Count, drafted == 0 ? 0 : accepted / (double)drafted, byPosition,
            steps.Count == 0 ? 0 : drafted / (double)steps.Count, draftWall, targetWall)
        {
            DecodeWall = draftWall + targetWall + verifyWall,
        };
    }

    /// <summary>Combines the metrics of several traces (e.g. one per prompt) by pooling their rounds.</summary>
    public static SpeculativeMetrics Pool(IEnumerable<SpeculativeTrace> traces)
    {
        var all = traces.ToList();
        var steps = all.SelectMany(t => t.Steps).ToList();
        var first = all.FirstOrDefault() ?? throw new ArgumentException("no traces to pool");
        return Of(first with { Steps = steps });
    }

    /// <summary>The standard speed model (Leviathan et al.): tokens per round over the cost of a round in units of one
    /// target call, (accepted + 1) / (1 + drafted · c), with c = draft call cost / target call cost. It assumes a
    /// verify call over several tokens costs the same as a one-token call.</summary>
    public double ModelledSpeedup(double costRatio) => MeanTokensPerTargetCall / (1 + MeanDrafted * costRatio);
}
