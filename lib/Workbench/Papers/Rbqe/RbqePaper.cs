using System.Diagnostics;

namespace Workbench.Papers.Rbqe;

/// <summary><c>workbench reproduce rbqe</c>: blind enhancement of JPEG-like images with a quality-gated early exit.</summary>
public sealed class RbqePaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "rbqe";

    /// <inheritdoc/>
    public string Title => "RBQE: resource-efficient blind quality enhancement with early exits";

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = RbqeResult.Run(RbqeConfig.For(quick));
        return new Reproduction(Slug, Title, quick, result.Criteria(),
            new[] { result.TradeoffFigure(), result.ExitHistogram(), result.Panels(), result.ScoreFigure() }, result.Numbers(), clock.Elapsed);
    }
}
