using System.Diagnostics;

namespace Workbench.Papers.PyramidDrop;

/// <summary><c>workbench reproduce pyramiddrop</c>: PyramidDrop (Xing et al., 2024) on a toy vision-language model of
/// procedural grid scenes, with the shipped checkpoints vlm-scenes (trained without drops) and vlm-scenes-pdrop
/// (trained with PyramidDrop).</summary>
public sealed class PyramidDropPaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "pyramiddrop";

    /// <inheritdoc/>
    public string Title => "PyramidDrop: accelerating vision-language models via pyramid visual redundancy reduction";

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = PyramidDropExperiment.Run(PyramidDropConfig.For(quick));
        int sample = result.InterestingSamples().First();
        return new Reproduction(Slug, Title, quick, result.Criteria(),
            new[] { result.KeepRatioFigure(), result.FlopsFigure(), result.DroppedTokensView(sample) }, result.Numbers(), clock.Elapsed);
    }
}
