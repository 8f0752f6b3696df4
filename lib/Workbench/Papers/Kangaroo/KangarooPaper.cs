using System.Diagnostics;
using Workbench.Training;

namespace Workbench.Papers.Kangaroo;

/// <summary><c>workbench reproduce kangaroo</c>: Kangaroo (Liu et al., 2024), lossless self-speculative decoding via
/// double early exiting, on the shipped 6-block target.</summary>
public sealed class KangarooPaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "kangaroo";

    /// <inheritdoc/>
    public string Title => "Kangaroo: lossless self-speculative decoding via double early exiting";

    /// <summary>Runs the experiment on the shipped target (what the notebook calls).</summary>
    public static KangarooResult Run(KangarooConfig config) => KangarooExperiment.Run(config, LmCheckpoints.Target());

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = Run(KangarooConfig.For(quick));
        return new Reproduction(Slug, Title, quick, result.Criteria(),
            new[] { result.CtarFigure(), result.SpeedupFigure(), result.CompressionFigure() }, result.Numbers(), clock.Elapsed);
    }
}
