namespace Workbench.Decoding.Speculative;

/// <summary>Measured against modelled speedup of speculative decoding, from autoregressive and speculative runs of the
/// same prompts in the same process, plus where the time goes.</summary>
/// <param name="ArMsPerToken">Autoregressive decode time per token (prefill excluded).</param>
/// <param name="SpecMsPerToken">Speculative decode time per token (prefill excluded).</param>
/// <param name="MeasuredSpeedup">ArMsPerToken / SpecMsPerToken.</param>
/// <param name="CostRatio">c: one draft call over one autoregressive target call (measured).</param>
/// <param name="VerifyRatio">One verify call (γ+1 tokens) over one autoregressive target call (measured): the
/// standard model assumes 1.</param>
/// <param name="ModelledSpeedup">The standard formula τ / (1 + γ̄·c), τ = tokens per target call.</param>
/// <param name="ModelledWithVerifyCost">τ / (v + γ̄·c): the same with the measured verify cost v.</param>
/// <param name="Metrics">Pooled acceptance metrics of the speculative runs.</param>
/// <param name="DraftMsPerToken">Draft time per output token.</param>
/// <param name="VerifyMsPerToken">Target verify time per output token.</param>
/// <param name="OverheadMsPerToken">Everything else per output token (acceptance rule, bookkeeping).</param>
public sealed record SpeedReport(double ArMsPerToken, double SpecMsPerToken, double MeasuredSpeedup, double CostRatio, double VerifyRatio,
    double ModelledSpeedup, double ModelledWithVerifyCost, SpeculativeMetrics Metrics, double DraftMsPerToken, double VerifyMsPerToken,
    double OverheadMsPerToken);

/// <summary>Builds <see cref="SpeedReport"/>s.</summary>
public static class SpeedModel
{
    /// <summary>Compares autoregressive generations with speculative traces of the same prompts.</summary>
    public static SpeedReport Compare(IReadOnlyList<GenerationResult> autoregressive, IReadOnlyList<SpeculativeTrace> speculative)
    {
        if (autoregressive.Count == 0 || speculative.Count == 0) throw new ArgumentException("need runs of both kinds");
        double arWall = autoregressive.Sum(g => (g.Cost["target"].Wall - g.Prefill).TotalMilliseconds);
        long arCalls = autoregressive.Sum(g => g.Cost["target"].Calls - 1);
        long arTokens = autoregressive.Sum(g => (long)g.Generated.Count - 1); // the prefill call produced the first token
        double arCall = arWall / Math.Max(1, arCalls), arPerToken = arWall / Math.Max(1, arTokens);

        var m = SpeculativeMetrics.Pool(speculative);
        double specTokens = m.Emitted;
        double draftMs = m.DraftWall.TotalMilliseconds, verifyMs = m.TargetVerifyWall.TotalMilliseconds, totalMs = m.DecodeWall.TotalMilliseconds;
        double specPerToken = totalMs / Math.Max(1, specTokens);
        double c = m.DraftCalls == 0 ? 0 : draftMs / m.DraftCalls / arCall;
        double v = verifyMs / Math.Max(1, m.Rounds) / arCall;
        return new SpeedReport(arPerToken, specPerToken, arPerToken / specPerToken, c, v, m.ModelledSpeedup(c),
            m.MeanTokensPerTargetCall / (v + m.MeanDrafted * c), m,
            draftMs / specTokens, verifyMs / specTokens, (totalMs - draftMs - verifyMs) / specTokens);
    }
}
