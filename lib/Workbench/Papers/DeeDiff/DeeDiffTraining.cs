using Workbench.Diffusion;
using Workbench.Models.Vision;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Papers.DeeDiff;

/// <summary>The terms of DeeDiff's loss on one batch, as scalars.</summary>
public sealed record DeeDiffLossTerms(Tensor Total, double Simple, double Uncertainty, double LayerWise);

/// <summary>DeeDiff's training objective (Tang et al.): L = L_simple + λ L_u + β L_UAL, where for every layer i
/// u_hat_i = tanh(|g_i(h_i) - ε|) (averaged over pixels: one target per image and layer), L_u = Σ_i (u_i - u_hat_i)²
/// and L_UAL = Σ_i (1 - u_i) ||g_i(h_i) - ε||² (mean over pixels).</summary>
/// <remarks>Both u_hat and the (1 - u_i) weight are detached: the UEM learns only from L_u, so it cannot lower L_UAL by
/// claiming to be unsure, and the heads learn most where their UEM says they are already good (the paper's intent).</remarks>
public static class DeeDiffTraining
{
    /// <summary>The loss for clean images x0 [B, C, H, W] in [-1, 1], steps t [B] and noise eps.</summary>
    public static DeeDiffLossTerms Loss(UVitDenoiser model, NoiseSchedule schedule, Tensor x0, Tensor t, Tensor eps, double lambda, double beta)
    {
        var layers = model.Layers(schedule.AddNoise(x0, t, eps), t);
        var simple = (layers[^1].Noise - eps).pow(2).mean();
        Tensor lu = zeros(1), lual = zeros(1);
        foreach (var p in layers)
        {
            var err = p.Noise - eps;
            var target = tanh(err.abs()).mean(new long[] { 1, 2, 3 }).detach();
            lu = lu + (p.Uncertainty - target).pow(2).mean();
            lual = lual + ((1 - p.Uncertainty.detach()) * err.pow(2).mean(new long[] { 1, 2, 3 })).mean();
        }
        var total = simple + lambda * lu.squeeze() + beta * lual.squeeze();
        return new DeeDiffLossTerms(total, simple.item<float>(), lu.item<float>(), lual.item<float>());
    }

    /// <summary>DDPM training: random images, uniform random steps, Gaussian noise; DeeDiff's loss.</summary>
    public static TrainResult Train(UVitDenoiser model, NoiseSchedule schedule, Tensor images, DeeDiffConfig config)
    {
        var generator = new Generator((ulong)config.Seed);
        long n = images.shape[0];
        model.train();
        var result = TrainLoop.Run(model.parameters(), _ =>
        {
            var rows = randint(n, new long[] { config.Batch }, generator: generator);
            var x0 = images.index_select(0, rows);
            var t = randint(schedule.Steps, new long[] { config.Batch }, generator: generator);
            var eps = randn(x0.shape, generator: generator);
            return Loss(model, schedule, x0, t, eps, config.Lambda, config.Beta).Total;
        }, new TrainOptions(config.Steps, config.LearningRate, WeightDecay: 0.01, WarmupSteps: Math.Min(200, config.Steps / 10),
            Label: $"U-ViT denoiser ({config.Model.Layers} layers, d={config.Model.Dim})"));
        model.eval();
        return result;
    }
}
