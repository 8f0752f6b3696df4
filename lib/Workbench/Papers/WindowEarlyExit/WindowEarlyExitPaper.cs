using System.Diagnostics;

namespace Workbench.Papers.WindowEarlyExit;

/// <summary><c>workbench reproduce window-early-exit</c>: window-based early-exit cascades on Fashion-MNIST.</summary>
public sealed class WindowEarlyExitPaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "window-early-exit";

    /// <inheritdoc/>
    public string Title => "Window-based early-exit cascades for uncertainty estimation";

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = WindowCascadeResult.Run(WindowCascadeConfig.For(quick));
        return new Reproduction(Slug, Title, quick, result.Criteria(), new[] { result.CoverageFigure(), result.RiskCoverageFigure(), result.CoverageFigure(withOod: true) },
            result.Numbers(), clock.Elapsed);
    }
}
