using System.Diagnostics;
using Workbench.Training;

namespace Workbench.Papers.JudgeDecoding;

/// <summary><c>workbench reproduce judge-decoding</c>: Judge Decoding (Bachmann et al., 2025) with the shipped target
/// (style A) and the style-B draft.</summary>
public sealed class JudgeDecodingPaper : IPaper
{
    /// <inheritdoc/>
    public string Slug => "judge-decoding";

    /// <inheritdoc/>
    public string Title => "Judge Decoding: faster speculative sampling beyond model alignment";

    /// <summary>Runs the experiment and summarises it (what the notebook calls).</summary>
    public static JudgeDecodingSummary Run(JudgeDecodingConfig config) =>
        new(config, JudgeDecodingExperiment.Run(config, LmCheckpoints.Target(), LmCheckpoints.Draft()));

    /// <inheritdoc/>
    public Reproduction Reproduce(bool quick)
    {
        var clock = Stopwatch.StartNew();
        var summary = Run(JudgeDecodingConfig.For(quick));
        return new Reproduction(Slug, Title, quick, summary.Criteria(),
            new[] { summary.MotivatingFigure(), summary.MainFigure(), summary.ScoreHistogram() }, summary.Numbers(), clock.Elapsed);
    }
}
