using Workbench.Diffusion;
using Workbench.EarlyExit;
using Workbench.Models.Vision;
using Workbench.Papers.DeeDiff;
using static TorchSharp.torch;

namespace Workbench.Tests.Papers;

public class DeeDiffTests
{
    static readonly UVitConfig Tiny = new(PatchSize: 4, Dim: 16, Layers: 5, Heads: 2);

    static UVitDenoiser Model()
    {
        random.manual_seed(4);
        var m = new UVitDenoiser(Tiny);
        m.eval();
        return m;
    }

    [Fact]
    public void ScheduleLosesSignalMonotonicallyAndDdimInvertsTheNoiseExactly()
    {
        var s = new NoiseSchedule();
        Assert.InRange(s.AlphaBar(0), 0.9998, 1.0);
        Assert.InRange(s.AlphaBar(999), 0, 1e-4); // DDPM's schedule ends in almost pure noise
        for (int t = 1; t < s.Steps; t++) Assert.True(s.AlphaBar(t) < s.AlphaBar(t - 1));
        random.manual_seed(1);
        using var x0 = rand(3, 1, 16, 16) * 1.8 - 0.9;
        using var eps = randn(3, 1, 16, 16);
        using var t500 = full(new long[] { 3 }, 500, dtype: ScalarType.Int64);
        using var xt = s.AddNoise(x0, t500, eps);
        // x_t = sqrt(ab) x0 + sqrt(1 - ab) eps, and knowing eps exactly, one DDIM step to "prev = -1" returns x0.
        Assert.True(xt.allclose(Math.Sqrt(s.AlphaBar(500)) * x0 + Math.Sqrt(1 - s.AlphaBar(500)) * eps, atol: 1e-5));
        Assert.True(s.DdimStep(xt, eps, 500, -1).allclose(x0, atol: 1e-4));
        Assert.Equal(new[] { 999, 666, 333, 0 }, s.SamplingSteps(4));
        Assert.Throws<ArgumentException>(() => s.SamplingSteps(0));
    }

    [Fact]
    public void EveryLayerPredictsAnImageAndAnUncertaintyAndShrinkingTheBatchChangesNothing()
    {
        using var m = Model();
        using var _ = no_grad();
        random.manual_seed(2);
        using var x = randn(4, 1, 16, 16);
        using var t = tensor(new long[] { 10, 300, 600, 990 });
        var all = m.Layers(x, t);
        Assert.Equal(Tiny.Layers, all.Length);
        Assert.All(all, p => Assert.Equal(x.shape, p.Noise.shape));
        Assert.All(all, p => Assert.True(p.Uncertainty.gt(0).all().item<bool>() && p.Uncertainty.lt(1).all().item<bool>()));
        // Run two layers on all four images, then keep images 3 and 1 only: their later predictions (which depend on
        // the long skips from the in-blocks) match the full batch's.
        var pass = m.Start(x, t);
        pass.Next();
        pass.Next();
        pass.Keep(tensor(new long[] { 3, 1 }));
        for (int i = 2; i < Tiny.Layers; i++)
        {
            var p = pass.Next();
            Assert.True(p.Noise.allclose(all[i].Noise.index_select(0, tensor(new long[] { 3, 1 })), atol: 1e-5), $"layer {i}");
        }
        var costs = Enumerable.Range(0, Tiny.Layers).Select(m.FlopsToExit).ToArray();
        for (int i = 1; i < costs.Length; i++) Assert.True(costs[i] > costs[i - 1]);
        Assert.Throws<ArgumentException>(() => new UVitDenoiser(Tiny with { Layers = 4 }));
    }

    [Fact]
    public void SamplesLeaveAtTheFirstSureLayerWithThatLayersPrediction()
    {
        using var m = Model();
        using var _ = no_grad();
        random.manual_seed(3);
        using var x = randn(6, 1, 16, 16);
        var all = m.Layers(x, full(new long[] { 6 }, 400, dtype: ScalarType.Int64));
        var u = all.Select(p => p.Uncertainty.data<float>().ToArray()).ToArray();
        double tau = u.SelectMany(v => v).OrderBy(v => v).ElementAt(15); // a threshold some samples meet early, some late
        var (noise, layers) = ExitingSampler.Predict(m, x, 400, new UncertaintyPolicy(tau));
        for (int n = 0; n < 6; n++)
        {
            int expected = Enumerable.Range(0, Tiny.Layers - 1).FirstOrDefault(i => u[i][n] <= tau, Tiny.Layers - 1);
            Assert.Equal(expected, layers[n]);
            Assert.True(noise[n].allclose(all[expected].Noise[n], atol: 1e-5));
        }
        var (fixedNoise, fixedLayers) = ExitingSampler.Predict(m, x, 400, new FixedDepthPolicy(1));
        Assert.All(fixedLayers, l => Assert.Equal(1, l));
        Assert.True(fixedNoise.allclose(all[1].Noise, atol: 1e-5));

        var run = ExitingSampler.Sample(m, new NoiseSchedule(), 5, 4, seed: 9, new FixedDepthPolicy(2));
        Assert.Equal(3.0 / 5, run.LayerFraction, 12);
        Assert.Equal(m.FlopsToExit(2) * 4, run.MeanFlops, 6);
        Assert.Equal(1.0, run.ExitShare()[2, 0], 12);
        Assert.True(run.Images.abs().max().item<float>() <= 1 + 1e-5); // DDIM's last step returns the clipped clean estimate
        var again = ExitingSampler.Sample(m, new NoiseSchedule(), 5, 4, seed: 9, new FixedDepthPolicy(2));
        Assert.True(run.Images.eq(again.Images).all().item<bool>()); // the noise seed fixes the run
    }

    [Fact]
    public void LossTermsMatchTheirDefinitionsAndTheUemLearnsOnlyFromItsOwnTerm()
    {
        var s = new NoiseSchedule();
        random.manual_seed(5);
        var m = new UVitDenoiser(Tiny);
        using var x0 = rand(4, 1, 16, 16) * 2 - 1;
        using var t = tensor(new long[] { 5, 200, 700, 999 });
        using var eps = randn(4, 1, 16, 16);
        var terms = DeeDiffTraining.Loss(m, s, x0, t, eps, lambda: 0.5, beta: 2);
        var layers = m.Layers(s.AddNoise(x0, t, eps), t);
        double simple = 0, lu = 0, lual = 0;
        foreach (var p in layers)
        {
            var err = (p.Noise - eps).to(ScalarType.Float64);
            var mse = err.pow(2).mean(new long[] { 1, 2, 3 }).data<double>().ToArray();
            var target = tanh(err.abs()).mean(new long[] { 1, 2, 3 }).data<double>().ToArray();
            var u = p.Uncertainty.to(ScalarType.Float64).data<double>().ToArray();
            lu += Enumerable.Range(0, 4).Average(b => (u[b] - target[b]) * (u[b] - target[b]));
            lual += Enumerable.Range(0, 4).Average(b => (1 - u[b]) * mse[b]);
            simple = mse.Average();
        }
        Assert.Equal(simple, terms.Simple, 4);
        Assert.Equal(lu, terms.Uncertainty, 4);
        Assert.Equal(lual, terms.LayerWise, 4);
        Assert.Equal(simple + 0.5 * lu + 2 * lual, terms.Total.item<float>(), 3);

        // With lambda = 0 nothing reaches the UEMs: L_UAL's (1 - u) weight is detached.
        m.zero_grad();
        DeeDiffTraining.Loss(m, s, x0, t, eps, lambda: 0, beta: 1).Total.backward();
        var uems = m.named_parameters().Where(p => p.name.StartsWith("_uems")).ToList();
        Assert.NotEmpty(uems);
        Assert.All(uems, p => Assert.True(p.parameter.grad is null || p.parameter.grad.abs().sum().item<float>() == 0, p.name));
        Assert.Contains(m.named_parameters(), p => p.name.StartsWith("_heads") && p.parameter.grad is { } g && g.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void FeatureDistanceIsZeroForTheReferenceAndGrowsWithAShift()
    {
        random.manual_seed(6);
        using var real = rand(64, 1, 16, 16) * 2 - 1;
        var q = new SampleQuality(real);
        Assert.Equal(0, q.Distance(real), 6);
        double small = q.Distance((real + 0.1).clamp(-1, 1)), large = q.Distance((real + 0.5).clamp(-1, 1));
        Assert.True(small > 0 && large > small, $"shift 0.1: {small}, shift 0.5: {large}");
        Assert.Throws<ArgumentException>(() => q.Distance(real.narrow(0, 0, 10)));

        Assert.Equal(1, SampleQuality.ClassifierScore(full(new long[] { 20, 10 }, 0.1)), 6); // no image looks like any class
        Assert.Equal(10, SampleQuality.ClassifierScore(eye(10)), 3); // confident and balanced: the number of classes
        Assert.Equal(1, SampleQuality.ClassifierScore(eye(10).narrow(0, 0, 1).expand(10, 10)), 3); // confident but all one class
    }
}
