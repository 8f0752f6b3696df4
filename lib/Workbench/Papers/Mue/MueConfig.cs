using Workbench.Models.Vision;

namespace Workbench.Papers.Mue;

/// <summary>Sizes of the MuE experiment.</summary>
/// <param name="Model">The encoder-decoder's shape.</param>
/// <param name="Steps">Training steps (fresh scenes every step; half entailment, half captioning after the first phase).</param>
/// <param name="EntailmentFirstSteps">The first steps train entailment alone (0 = both tasks from the start). With
/// captioning in every batch, entailment stays at chance; alone, and with a sharper attention init
/// (<see cref="EncoderDecoderConfig.AttentionInitScale"/>), it can leave it (measured; the notebook has the numbers).</param>
/// <param name="Batch">Examples per step.</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="EvalExamples">Held-out examples per task for every sweep point.</param>
/// <param name="CalibrationExamples">Examples per task (another seed) whose similarities place the thresholds.</param>
/// <param name="Quantiles">Thresholds swept, as quantiles of each signal on the calibration examples (low = exit more).</param>
/// <param name="MinReduction">The spec's layer reduction to reach ("at least 35%").</param>
/// <param name="KeepShare">The spec's share of full performance to keep ("at least 96%").</param>
/// <param name="Seed">Seed of weights and training batches.</param>
public sealed record MueConfig(EncoderDecoderConfig Model, int Steps = 4000, int Batch = 64, double LearningRate = 2e-3, int EvalExamples = 600,
    int CalibrationExamples = 300, double[]? Quantiles = null, double MinReduction = 0.35, double KeepShare = 0.96, long Seed = 11,
    int EntailmentFirstSteps = 0)
{
    /// <summary>The quantiles swept when none are given.</summary>
    public static readonly double[] DefaultQuantiles = { 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9 };

    /// <summary>The swept quantiles.</summary>
    public double[] Sweep => Quantiles ?? DefaultQuantiles;

    /// <summary>Full: the spec's 4 + 4 layers of width 96, 4,000 mixed steps of 64. Quick: width 48, 300 steps, 3 quantiles.
    /// Neither sharpens the attention init nor trains entailment first: with both, entailment was learned in one full run
    /// of two and captioning suffered (the notebook has the numbers), so the default keeps the stable recipe.</summary>
    public static MueConfig For(bool quick)
    {
        var tasks = new MueTasks();
        var shape = new EncoderDecoderConfig(tasks.Tokenizer.VocabularySize, ImageSize: tasks.Scenes.Width, PatchSize: 4,
            TextLength: MueTasks.TextLength, MaxTarget: tasks.MaxTarget);
        return quick
            ? new MueConfig(shape with { Dim = 48 }, Steps: 300, Batch: 32, LearningRate: 3e-3, EvalExamples: 96, CalibrationExamples: 64,
                Quantiles: new[] { 0.1, 0.4, 0.8 })
            : new MueConfig(shape);
    }
}
