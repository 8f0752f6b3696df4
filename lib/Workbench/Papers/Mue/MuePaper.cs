using System.Diagnostics;

namespace Workbench.Papers.Mue;

/// <summary><c>workbench reproduce mue</c>: similarity-based exits per modality in the encoder and per token in the decoder.</summary>
public sealed class MuePaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "mue";

    /// <inheritdoc/>
    public string Title => "MuE: dynamic early exiting for unified vision-language models";

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var result = MueResult.Run(MueConfig.For(quick));
        return new Reproduction(Slug, Title, quick, result.Criteria(), new[] { result.TradeoffFigure(), result.SimilarityFigure() }, result.Numbers(), clock.Elapsed);
    }
}
