using System.Diagnostics;

namespace Workbench.Papers.LGViT;

/// <summary><c>workbench reproduce lgvit</c>: heterogeneous exit heads and two-stage self-distillation for an
/// early-exit ViT on Fashion-MNIST.</summary>
public sealed class LgvitPaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "lgvit";

    /// <inheritdoc/>
    public string Title => "LGViT: dynamic early exiting for vision transformers";

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = LgvitResult.Run(LgvitConfig.For(quick));
        return new Reproduction(Slug, Title, quick, result.Criteria(),
            new[] { result.SpeedupFigure(), result.ExitAccuracyFigure(), result.ExitGallery(), result.ExitHistogramFigure() },
            result.Numbers(), clock.Elapsed);
    }
}
