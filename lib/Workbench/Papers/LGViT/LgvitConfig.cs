using Workbench.Models.Vision;

namespace Workbench.Papers.LGViT;

/// <summary>Which exit heads a variant carries.</summary>
public enum HeadFamily
{
    /// <summary>A linear classifier on the CLS token at every exit.</summary>
    Linear,

    /// <summary>LGViT's heterogeneous heads: local perception on the shallow half, global aggregation on the deep half.</summary>
    Lgvit,
}

/// <summary>Sizes and settings of the LGViT experiment on Fashion-MNIST.</summary>
/// <param name="Vit">The backbone's shape.</param>
/// <param name="ExitLayers">Blocks (1-based) after which an exit head sits; the final classifier is the last exit.</param>
/// <param name="TrainCount">Training images (the first of the 60,000).</param>
/// <param name="ValidationCount">Validation images (the end of the training split, never trained on): the operating threshold.</param>
/// <param name="TestCount">Test images (of the 10,000) on which the curves and criteria are measured.</param>
/// <param name="BaseEpochs">Epochs of the base training: the backbone alone with its final classifier (the paper starts
/// from a fine-tuned ViT; both head families start from this one).</param>
/// <param name="Stage1Epochs">Epochs of stage 1 (backbone and heads end to end, summed cross-entropy).</param>
/// <param name="Stage2Epochs">Epochs of stage 2 (frozen backbone, heads trained with self-distillation).</param>
/// <param name="Batch">Images per step.</param>
/// <param name="BaseLearningRate">Peak AdamW learning rate of the base training.</param>
/// <param name="Stage1LearningRate">Peak AdamW learning rate of stage 1.</param>
/// <param name="Stage2LearningRate">Peak AdamW learning rate of stage 2.</param>
/// <param name="WeightDecay">AdamW weight decay.</param>
/// <param name="Alpha">Stage 2: weight a of the prediction distillation, (1 - a) of the cross-entropy.</param>
/// <param name="Temperature">Stage 2: distillation temperature T.</param>
/// <param name="HeteroWeight">Stage 2: weight of the heterogeneous feature distillation (exit features vs last hidden states).</param>
/// <param name="HomoWeight">Stage 2: weight of the homogeneous feature distillation (Gram matrices vs the deepest exit of the same kind).</param>
/// <param name="Thresholds">Confidence thresholds swept for the accuracy-speedup curves.</param>
/// <param name="TimingThresholds">Thresholds at which early-exit inference is also timed.</param>
/// <param name="TimingCount">Test images used for the timing runs.</param>
/// <param name="MaxLoss">Criterion: accuracy loss allowed against the full model (0.01 = 1 point).</param>
/// <param name="TargetSpeedup">Criterion: the speedup to reach within that loss.</param>
/// <param name="Seed">Seed of initialisation and batch order.</param>
public sealed record LgvitConfig(VitConfig Vit, int[] ExitLayers, int TrainCount, int ValidationCount, int TestCount,
    int BaseEpochs, int Stage1Epochs, int Stage2Epochs, int Batch = 128, double BaseLearningRate = 2e-3, double Stage1LearningRate = 1e-3,
    double Stage2LearningRate = 1e-3,
    double WeightDecay = 0.05, double Alpha = 0.3, double Temperature = 2.0, double HeteroWeight = 0.01, double HomoWeight = 0.01,
    double[]? Thresholds = null, double[]? TimingThresholds = null, int TimingCount = 1000, double MaxLoss = 0.01,
    double TargetSpeedup = 1.5, int Seed = 0)
{
    /// <summary>The swept thresholds (default: 0.3 to 0.9999, denser near 1 where most of the curve lies).</summary>
    public double[] SweepThresholds => Thresholds ?? new[]
        { 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.965, 0.975, 0.985, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999 };

    /// <summary>The timed thresholds.</summary>
    public double[] TimedThresholds => TimingThresholds ?? new[] { 0.8, 0.95, 0.99 };

    /// <summary>Full: an 8-block ViT (d = 96, 7x7 patches, a 4x4 grid) with exits after blocks 2..7, on 55,000 training
    /// images. Quick: a 4-block d = 48 ViT with exits after blocks 1..3 on 3,000 images, for tests and CI.</summary>
    public static LgvitConfig For(bool quick) => quick
        ? new LgvitConfig(new VitConfig(PatchSize: 7, Dim: 48, Layers: 4, Heads: 4), new[] { 1, 2, 3 },
            TrainCount: 3_000, ValidationCount: 1_000, TestCount: 1_000, BaseEpochs: 2, Stage1Epochs: 1, Stage2Epochs: 1, TimingCount: 500,
            TimingThresholds: new[] { 0.8, 0.95 })
        : new LgvitConfig(new VitConfig(PatchSize: 7, Dim: 96, Layers: 8, Heads: 4), new[] { 2, 3, 4, 5, 6, 7 },
            TrainCount: 55_000, ValidationCount: 5_000, TestCount: 10_000, BaseEpochs: 3, Stage1Epochs: 1, Stage2Epochs: 1);

    /// <summary>The exit layout of a head family.</summary>
    public IReadOnlyList<ExitSpec> Layout(HeadFamily family) => family == HeadFamily.Lgvit
        ? MultiExitVisionTransformer.LgvitLayout(ExitLayers)
        : MultiExitVisionTransformer.LinearLayout(ExitLayers);

    /// <summary>What the base backbone depends on (its model cache key): changing any of it retrains.</summary>
    public object BaseRecipe => new { code = LgvitTraining.CodeVersion, Vit, TrainCount, BaseEpochs, Batch, BaseLearningRate, Seed };

    /// <summary>What stage 1 depends on: the base and its own settings.</summary>
    public object Stage1Recipe(HeadFamily family) => new
    {
        @base = BaseRecipe, family = family.ToString(), layers = string.Join(",", ExitLayers), Stage1Epochs, Stage1LearningRate, WeightDecay,
    };

    /// <summary>What stage 2 depends on: stage 1 and its own settings.</summary>
    public object Stage2Recipe(HeadFamily family) => new
    {
        stage1 = Stage1Recipe(family), Stage2Epochs, Stage2LearningRate, Alpha, Temperature, HeteroWeight, HomoWeight,
    };
}
