using System.Diagnostics;

namespace Workbench.Papers.DeeDiff;

/// <summary><c>workbench reproduce deediff</c>: uncertainty-aware early exits in every step of diffusion sampling.</summary>
public sealed class DeeDiffPaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "deediff";

    /// <inheritdoc/>
    public string Title => "DeeDiff: dynamic uncertainty-aware early exiting for diffusion models";

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = DeeDiffResult.Run(DeeDiffConfig.For(quick));
        return new Reproduction(Slug, Title, quick, result.Criteria(),
            new[] { result.TradeoffFigure(), result.LayerFigure(), result.ExitHeatmap(), result.SampleGrid() }, result.Numbers(), clock.Elapsed);
    }
}
