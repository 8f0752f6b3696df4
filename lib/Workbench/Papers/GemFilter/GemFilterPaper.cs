using System.Diagnostics;
using Workbench.Training;

namespace Workbench.Papers.GemFilter;

/// <summary><c>workbench reproduce gemfilter</c>: GemFilter (Shi et al., 2024) on needle-in-a-haystack prompts with the
/// shipped lm-haystack model.</summary>
public sealed class GemFilterPaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "gemfilter";

    /// <inheritdoc/>
    public string Title => "GemFilter: discovering the gems in early layers";

    /// <summary>Runs the experiment on the shipped haystack LM (what the notebook calls).</summary>
    public static GemFilterResult Run(GemFilterConfig config) => GemFilterResult.Run(config, HaystackLm.Load());

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = Run(GemFilterConfig.For(quick));
        return new Reproduction(Slug, Title, quick, result.Criteria(), new[] { result.HitRateFigure(), result.AccuracyHeatmaps(), result.CostFigure() },
            result.Numbers(), clock.Elapsed);
    }
}
