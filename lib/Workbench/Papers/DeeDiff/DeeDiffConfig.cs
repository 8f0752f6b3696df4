using Workbench.Models.Vision;

namespace Workbench.Papers.DeeDiff;

/// <summary>Sizes of the DeeDiff experiment.</summary>
/// <param name="Model">The U-ViT denoiser's shape.</param>
/// <param name="TrainImages">Fashion-MNIST training images (16x16).</param>
/// <param name="Steps">Training steps.</param>
/// <param name="Batch">Images per step.</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="Lambda">Weight of the uncertainty loss L_u.</param>
/// <param name="Beta">Weight of the uncertainty-aware layer-wise loss L_UAL.</param>
/// <param name="DiffusionSteps">T of the DDPM schedule.</param>
/// <param name="SamplingSteps">DDIM steps per sample.</param>
/// <param name="Samples">Images generated per sampling run (and real test images they are compared with).</param>
/// <param name="SamplingSeeds">Noise seeds of the full model and the operating point: their spread is the "seed spread".</param>
/// <param name="Thresholds">Uncertainty thresholds swept, as quantiles of the UEM outputs on training images.</param>
/// <param name="MaxLayerFraction">The operating point: the swept threshold with the largest layer fraction at or below this (the spec's "at least 30% fewer layers").</param>
/// <param name="Seed">Seed of weights and training batches.</param>
public sealed record DeeDiffConfig(UVitConfig Model, int TrainImages = 20000, int Steps = 2500, int Batch = 64, double LearningRate = 2e-3,
    double Lambda = 1, double Beta = 1, int DiffusionSteps = 1000, int SamplingSteps = 50, int Samples = 256, int SamplingSeeds = 3,
    double[]? Thresholds = null, double MaxLayerFraction = 0.7, long Seed = 5)
{
    /// <summary>Quantiles of the calibration UEM outputs used as thresholds when none are given.</summary>
    public static readonly double[] DefaultQuantiles = { 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8 };

    /// <summary>The swept quantiles.</summary>
    public double[] Quantiles => Thresholds ?? DefaultQuantiles;

    /// <summary>Full: 7 layers, d = 64 on 16x16 images with 4x4 patches (16 patch tokens + a time token), 2,500 steps
    /// of 64 (2x2 patches or d = 96 cost 3x or 1.6x more per step, over the 15-minute budget on 2 cores). Quick: 5 layers, d = 32, 150 steps.</summary>
    public static DeeDiffConfig For(bool quick) => quick
        ? new DeeDiffConfig(new UVitConfig(PatchSize: 4, Dim: 32, Layers: 5, Heads: 2), TrainImages: 2000, Steps: 150, Batch: 32, LearningRate: 3e-3,
            SamplingSteps: 8, Samples: 48, SamplingSeeds: 2, Thresholds: new[] { 0.2, 0.5, 0.8 })
        : new DeeDiffConfig(new UVitConfig(PatchSize: 4, Dim: 64, Layers: 7, Heads: 4));
}
