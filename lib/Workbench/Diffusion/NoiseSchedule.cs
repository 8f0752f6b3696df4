using static TorchSharp.torch;

namespace Workbench.Diffusion;

/// <summary>The DDPM forward process (Ho et al.): x_t = sqrt(ᾱ_t) x_0 + sqrt(1 - ᾱ_t) ε with a linear β schedule,
/// and the DDIM update (Song et al., η = 0) that samples with a few of its timesteps.</summary>
public sealed class NoiseSchedule
{
    readonly double[] _alphaBar;

    /// <summary>T steps with β rising linearly from <paramref name="betaStart"/> to <paramref name="betaEnd"/> (DDPM's 1e-4 .. 0.02 at T = 1000).</summary>
    public NoiseSchedule(int steps = 1000, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        if (steps < 2) throw new ArgumentException($"a schedule needs at least 2 steps (got {steps})");
        Steps = steps;
        _alphaBar = new double[steps];
        double prod = 1;
        for (int t = 0; t < steps; t++)
        {
            prod *= 1 - (betaStart + (betaEnd - betaStart) * t / (steps - 1));
            _alphaBar[t] = prod;
        }
    }

    /// <summary>T: training timesteps are 0..T-1 (t = T-1 is almost pure noise).</summary>
    public int Steps { get; }

    /// <summary>ᾱ_t, the share of signal variance left at step t.</summary>
    public double AlphaBar(int t) => _alphaBar[t];

    /// <summary>Noisy images x_t for clean x0 [B, ...], integer steps t [B] and noise eps (same shape as x0).</summary>
    public Tensor AddNoise(Tensor x0, Tensor t, Tensor eps)
    {
        var ab = tensor(_alphaBar.Select(v => (float)v).ToArray()).to(x0.device).index_select(0, t.to(ScalarType.Int64));
        var shape = new long[x0.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x0.shape[0];
        ab = ab.view(shape);
        return ab.sqrt() * x0 + (1 - ab).sqrt() * eps;
    }

    /// <summary>The <paramref name="count"/> DDIM timesteps, from the noisiest (T-1) down to 0, evenly spaced.</summary>
    public int[] SamplingSteps(int count)
    {
        if (count < 1 || count > Steps) throw new ArgumentException($"sampling steps must be in 1..{Steps} (got {count})");
        return Enumerable.Range(0, count).Select(k => (int)Math.Round((Steps - 1) * (1 - (double)k / Math.Max(1, count - 1)))).Distinct().ToArray();
    }

    /// <summary>One deterministic DDIM step from x_t to x_prev (prev = -1 means the clean estimate x_0).</summary>
    public Tensor DdimStep(Tensor xt, Tensor eps, int t, int prev)
    {
        double ab = _alphaBar[t], abPrev = prev >= 0 ? _alphaBar[prev] : 1.0;
        var x0 = (xt - Math.Sqrt(1 - ab) * eps) / Math.Sqrt(ab);
        x0 = x0.clamp(-1, 1); // images live in [-1, 1]; clipping the estimate is DDPM/DDIM practice
        return Math.Sqrt(abPrev) * x0 + Math.Sqrt(1 - abPrev) * eps;
    }
}
