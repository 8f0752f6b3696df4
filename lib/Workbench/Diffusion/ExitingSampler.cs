using Workbench.EarlyExit;
using Workbench.Models.Vision;
using Workbench.Progress;
using static TorchSharp.torch;

namespace Workbench.Diffusion;

/// <summary>A sampling run with per-step exits: the images, and for every sampling step and sample the layer that answered.</summary>
/// <param name="Images">Generated images [n, C, H, W] in [-1, 1].</param>
/// <param name="Steps">The DDIM timesteps, noisiest first.</param>
/// <param name="ExitLayers">ExitLayers[step][sample]: the 0-based layer whose prediction was used.</param>
/// <param name="Layers">Layers of the denoiser.</param>
/// <param name="MeanFlops">Mean denoiser FLOPs per image over the whole run.</param>
/// <param name="FullFlops">FLOPs per image of the same run with every layer.</param>
public sealed record SamplingRun(Tensor Images, int[] Steps, int[][] ExitLayers, int Layers, double MeanFlops, double FullFlops)
{
    /// <summary>Mean share of layers executed, over steps and samples (1 = the full model).</summary>
    public double LayerFraction => ExitLayers.Average(step => step.Average(e => (e + 1.0) / Layers));

    /// <summary>Mean exit layer (0-based) at each sampling step.</summary>
    public double[] MeanExitPerStep => ExitLayers.Select(step => step.Average(e => (double)e)).ToArray();

    /// <summary>Share[layer, step] of samples that exited at each layer at each sampling step.</summary>
    public double[,] ExitShare()
    {
        var z = new double[Layers, Steps.Length];
        for (int s = 0; s < Steps.Length; s++)
            foreach (var e in ExitLayers[s]) z[e, s] += 1.0 / ExitLayers[s].Length;
        return z;
    }
}

/// <summary>DDIM sampling where, at every step, each sample runs the denoiser layer by layer and leaves at the first
/// layer the policy accepts (DeeDiff: uncertainty below a threshold; static truncation: a fixed layer). Samples that
/// have exited are dropped from the batch, so later layers are not computed for them.</summary>
public static class ExitingSampler
{
    /// <summary>Samples <paramref name="count"/> images from Gaussian noise drawn with <paramref name="seed"/>.</summary>
    public static SamplingRun Sample(UVitDenoiser model, NoiseSchedule schedule, int count, int steps, long seed, IExitPolicy policy, string? label = null)
    {
        var c = model.Config;
        var timesteps = schedule.SamplingSteps(steps);
        var exits = new int[timesteps.Length][];
        double flops = 0;
        model.eval();
        using var noGrad = no_grad();
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var x = randn(new long[] { count, c.Channels, c.ImageSize, c.ImageSize }, generator: generator);
        using var progress = label == null ? null : ProgressTask.Start(label, timesteps.Length);
        for (int s = 0; s < timesteps.Length; s++)
        {
            using var scope = NewDisposeScope();
            int t = timesteps[s], prev = s + 1 < timesteps.Length ? timesteps[s + 1] : -1;
            var (eps, layers) = Predict(model, x, t, policy);
            exits[s] = layers;
            flops += layers.Sum(model.FlopsToExit);
            var next = schedule.DdimStep(x, eps, t, prev);
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
            progress?.Advance();
        }
        double full = model.FlopsToExit(c.Layers - 1) * timesteps.Length;
        return new SamplingRun(x, timesteps, exits, c.Layers, flops / count, full);
    }

    /// <summary>One denoiser call with exits: the noise prediction each sample left with, and the layer it left at.</summary>
    public static (Tensor Noise, int[] Layers) Predict(UVitDenoiser model, Tensor x, int t, IExitPolicy policy)
    {
        long n = x.shape[0];
        int layers = model.Config.Layers;
        var pass = model.Start(x, full(new long[] { n }, t, dtype: ScalarType.Int64));
        var eps = zeros_like(x);
        var exitAt = new int[n];
        var active = Enumerable.Range(0, (int)n).ToList(); // original indices of the rows still in the pass
        var signals = active.Select(_ => new List<ExitSignal>(layers)).ToArray();
        for (int i = 0; i < layers && active.Count > 0; i++)
        {
            var p = pass.Next();
            var u = p.Uncertainty.to(ScalarType.Float64).data<double>().ToArray();
            var leave = new List<long>();
            var stay = new List<long>();
            for (int row = 0; row < active.Count; row++)
            {
                var soFar = signals[active[row]];
                soFar.Add(new ExitSignal(i, Uncertainty: u[row]));
                if (i == layers - 1 || policy.ShouldExit(soFar)) leave.Add(row);
                else stay.Add(row);
            }
            if (leave.Count > 0)
            {
                var rows = tensor(leave.ToArray());
                var targets = tensor(leave.Select(r => (long)active[(int)r]).ToArray());
                eps.index_copy_(0, targets, p.Noise.index_select(0, rows));
                foreach (var r in leave) exitAt[active[(int)r]] = i;
            }
            if (stay.Count < active.Count && stay.Count > 0) pass.Keep(tensor(stay.ToArray()));
            active = stay.Select(r => active[(int)r]).ToList();
        }
        return (eps, exitAt);
    }
}
