using System.Globalization;
using System.Text.Json.Nodes;
using Workbench.Data;
using Workbench.Diffusion;
using Workbench.EarlyExit;
using Workbench.Models.Vision;
using Workbench.Progress;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Papers.DeeDiff;

/// <summary>One sampling run, summarised: how it exited, what it cost and how close its images are to real ones.</summary>
/// <param name="Method">"full", "DeeDiff" or "static".</param>
/// <param name="Threshold">The uncertainty threshold (NaN unless DeeDiff).</param>
/// <param name="Layer">The fixed exit layer, 0-based (-1 for DeeDiff).</param>
/// <param name="Seed">The sampling noise seed.</param>
/// <param name="LayerFraction">Mean share of layers executed per denoiser call.</param>
/// <param name="MeanFlops">Mean denoiser FLOPs per generated image.</param>
/// <param name="Distance">Sliced Wasserstein distance to real test images in the fixed feature space (lower is better).</param>
/// <param name="ClassifierScore">The Inception-Score-style check with our Fashion-MNIST classifier (higher is better, at most 10).</param>
public sealed record SamplingPoint(string Method, double Threshold, int Layer, long Seed, double LayerFraction, double MeanFlops, double Distance, double ClassifierScore);

/// <summary>The DeeDiff experiment (Tang et al., DeeDiff: dynamic uncertainty-aware early exiting for accelerating
/// diffusion model generation): a small U-ViT on 16x16 Fashion-MNIST with a head and an uncertainty module per layer;
/// DDIM sampling exits, per image and per step, at the first layer whose uncertainty is below a threshold.</summary>
public sealed partial class DeeDiffResult
{
    /// <summary>The settings used.</summary>
    public DeeDiffConfig Config { get; private init; } = null!;

    /// <summary>The training run (null when the weights came from the model cache).</summary>
    public TrainResult? Training { get; private init; }

    /// <summary>The timesteps probed for the layer-vs-final figure.</summary>
    public int[] ProbeSteps { get; private init; } = Array.Empty<int>();

    /// <summary>LayerToFinal[probe][layer]: MSE between layer i's noise prediction and the final layer's, on noisy test images.</summary>
    public double[][] LayerToFinal { get; private init; } = Array.Empty<double[]>();

    /// <summary>LayerToNoise[probe][layer]: MSE between layer i's prediction and the true noise.</summary>
    public double[][] LayerToNoise { get; private init; } = Array.Empty<double[]>();

    /// <summary>LayerUncertainty[probe][layer]: mean UEM output.</summary>
    public double[][] LayerUncertainty { get; private init; } = Array.Empty<double[]>();

    /// <summary>The full model, once per sampling seed.</summary>
    public IReadOnlyList<SamplingPoint> Full { get; private init; } = Array.Empty<SamplingPoint>();

    /// <summary>DeeDiff at every swept threshold (sampling seed 0).</summary>
    public IReadOnlyList<SamplingPoint> Sweep { get; private init; } = Array.Empty<SamplingPoint>();

    /// <summary>Static truncation at every layer but the last (sampling seed 0).</summary>
    public IReadOnlyList<SamplingPoint> Static { get; private init; } = Array.Empty<SamplingPoint>();

    /// <summary>DeeDiff at the operating threshold, once per sampling seed.</summary>
    public IReadOnlyList<SamplingPoint> Operating { get; private init; } = Array.Empty<SamplingPoint>();

    /// <summary>The operating run on seed 0 (its exit layers per step and sample; images are not kept).</summary>
    public SamplingRun OperatingRun { get; private init; } = null!;

    /// <summary>Distance of real training images to the real test images: the floor any generator is measured against.</summary>
    public double RealDistance { get; private init; }

    /// <summary>The classifier check on real test images (its ceiling here).</summary>
    public double RealClassifierScore { get; private init; }

    /// <summary>The first generated images of seed 0, [k, 1, 16, 16] in [-1, 1]: full model, operating DeeDiff, and
    /// static truncation at the layer closest to the operating layer fraction (same starting noise).</summary>
    public (Tensor Full, Tensor DeeDiff, Tensor Static, int StaticLayer) Gallery { get; private init; }

    /// <summary>Fashion-MNIST images as 16x16 in [-1, 1] [n, 1, 16, 16]: padded to 32x32, then 2x2 average-pooled.</summary>
    public static Tensor Images16(ImageSet set, int first, int count)
    {
        var (x, _) = MlpClassifier.Tensors(set, first, count);
        using (x)
        {
            using var grid = x.view(count, 1, set.Rows, set.Cols);
            int pad = (32 - set.Rows) / 2;
            using var padded = F.pad(grid, new long[] { pad, pad, pad, pad });
            using var small = F.avg_pool2d(padded, 2);
            return small * 2 - 1;
        }
    }

    /// <summary>Trains (or loads from the model cache) the denoiser and its classifier check, then samples and measures.</summary>
    public static DeeDiffResult Run(DeeDiffConfig config)
    {
        var train = FashionMnist.Train();
        var test = FashionMnist.Test();
        if (config.TrainImages + config.Samples > train.Count) throw new ArgumentException($"{config.TrainImages} training + {config.Samples} reference images exceed the {train.Count} available");
        using var xTrain = Images16(train, 0, config.TrainImages);
        using var reference = Images16(test, 0, config.Samples);
        using var otherReal = Images16(train, train.Count - config.Samples, config.Samples);
        var schedule = new NoiseSchedule(config.DiffusionSteps);

        TorchRuntime.Seed(config.Seed);
        using var model = new UVitDenoiser(config.Model);
        TrainResult? training = null;
        var recipe = new { config.Model, config.TrainImages, config.Steps, config.Batch, config.LearningRate, config.Lambda, config.Beta, config.DiffusionSteps, config.Seed, data = "fmnist16-v1", loss = "deediff-v1" };
        ModelCache.LoadOrTrain(model, $"deediff-uvit-l{config.Model.Layers}-d{config.Model.Dim}", recipe, () => training = DeeDiffTraining.Train(model, schedule, xTrain, config));
        model.eval();
        using var classifier = Classifier(train, config);
        var quality = new SampleQuality(reference);

        var probes = new[] { 0.1, 0.3, 0.5, 0.7, 0.9 }.Select(f => (int)Math.Round(f * (config.DiffusionSteps - 1))).ToArray();
        var (toFinal, toNoise, uncertainty) = ProbeLayers(model, schedule, reference, probes, config.Seed);
        var thresholds = Calibrate(model, schedule, xTrain, config);

        int layers = config.Model.Layers;
        int runs = config.SamplingSeeds + thresholds.Length + (layers - 1) + (config.SamplingSeeds - 1);
        using var progress = ProgressTask.Start("DeeDiff sampling runs", runs);
        SamplingPoint Measure(string method, IExitPolicy policy, double threshold, int layer, long seed, Action<Tensor, SamplingRun>? keep = null)
        {
            var run = ExitingSampler.Sample(model, schedule, config.Samples, config.SamplingSteps, seed, policy);
            using var images = run.Images;
            keep?.Invoke(images, run);
            progress.Advance();
            return new SamplingPoint(method, threshold, layer, seed, run.LayerFraction, run.MeanFlops, quality.Distance(images), Score(classifier, images));
        }
        int show = Math.Min(32, config.Samples);
        Tensor Keep(Tensor images) => images.narrow(0, 0, show).clone();

        Tensor? fullImages = null;
        var full = Enumerable.Range(0, config.SamplingSeeds).Select(s => Measure("full", new FixedDepthPolicy(layers - 1), double.NaN, layers - 1, s,
            s == 0 ? (im, _) => fullImages = Keep(im) : null)).ToList();
        var sweepImages = new Dictionary<double, Tensor>();
        var sweepRuns = new Dictionary<double, SamplingRun>();
        var sweep = thresholds.Select(t => Measure("DeeDiff", new UncertaintyPolicy(t), t, -1, 0, (im, run) => { sweepImages[t] = Keep(im); sweepRuns[t] = run; })).ToList();
        var staticImages = new Dictionary<int, Tensor>();
        var statics = Enumerable.Range(0, layers - 1).Select(k => Measure("static", new FixedDepthPolicy(k), double.NaN, k, 0, (im, _) => staticImages[k] = Keep(im))).ToList();

        var op = sweep.Where(p => p.LayerFraction <= config.MaxLayerFraction).OrderByDescending(p => p.LayerFraction).FirstOrDefault()
            ?? sweep.OrderBy(p => p.LayerFraction).First();
        var operating = new List<SamplingPoint> { op };
        for (int s = 1; s < config.SamplingSeeds; s++) operating.Add(Measure("DeeDiff", new UncertaintyPolicy(op.Threshold), op.Threshold, -1, s));
        var nearest = statics.MinBy(p => Math.Abs(p.LayerFraction - op.LayerFraction))!;
        foreach (var (t, im) in sweepImages) if (t != op.Threshold) im.Dispose();
        foreach (var (k, im) in staticImages) if (k != nearest.Layer) im.Dispose();

        return new DeeDiffResult
        {
            Config = config, Training = training, ProbeSteps = probes, LayerToFinal = toFinal, LayerToNoise = toNoise, LayerUncertainty = uncertainty,
            Full = full, Sweep = sweep, Static = statics, Operating = operating, OperatingRun = sweepRuns[op.Threshold],
            RealDistance = quality.Distance(otherReal), RealClassifierScore = Score(classifier, reference),
            Gallery = (fullImages!, sweepImages[op.Threshold], staticImages[nearest.Layer], nearest.Layer),
        };
    }

    /// <summary>Per probed timestep, per layer: MSE to the final prediction, MSE to the true noise, mean uncertainty.</summary>
    static (double[][], double[][], double[][]) ProbeLayers(UVitDenoiser model, NoiseSchedule schedule, Tensor images, int[] probes, long seed)
    {
        using var _ = no_grad();
        var generator = new Generator((ulong)seed + 17);
        var toFinal = new double[probes.Length][];
        var toNoise = new double[probes.Length][];
        var unc = new double[probes.Length][];
        for (int p = 0; p < probes.Length; p++)
        {
            using var scope = NewDisposeScope();
            var t = full(new long[] { images.shape[0] }, probes[p], dtype: ScalarType.Int64);
            var eps = randn(images.shape, generator: generator);
            var layers = model.Layers(schedule.AddNoise(images, t, eps), t);
            toFinal[p] = layers.Select(l => (double)(l.Noise - layers[^1].Noise).pow(2).mean().item<float>()).ToArray();
            toNoise[p] = layers.Select(l => (double)(l.Noise - eps).pow(2).mean().item<float>()).ToArray();
            unc[p] = layers.Select(l => (double)l.Uncertainty.mean().item<float>()).ToArray();
        }
        return (toFinal, toNoise, unc);
    }

    /// <summary>Thresholds at the configured quantiles of the UEM outputs (every layer but the last) on noisy training
    /// images at uniform random steps: a scale-free way to place the sweep inside the range the UEMs really use.</summary>
    static double[] Calibrate(UVitDenoiser model, NoiseSchedule schedule, Tensor images, DeeDiffConfig config)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)config.Seed + 29);
        long n = Math.Min(512, images.shape[0]);
        var x0 = images.narrow(0, 0, n);
        var t = randint(schedule.Steps, new long[] { n }, generator: generator);
        var layers = model.Layers(schedule.AddNoise(x0, t, randn(x0.shape, generator: generator)), t);
        var u = cat(layers.Take(layers.Length - 1).Select(l => l.Uncertainty).ToArray()).to(ScalarType.Float64).data<double>().ToArray();
        Array.Sort(u);
        return config.Quantiles.Select(q => u[(int)Math.Clamp(Math.Round(q * (u.Length - 1)), 0, u.Length - 1)]).Distinct().ToArray();
    }

    /// <summary>The classifier check's model: an MLP on 16x16 training images (cached).</summary>
    static MlpClassifier Classifier(ImageSet train, DeeDiffConfig config)
    {
        int n = Math.Min(20000, train.Count);
        var net = new MlpClassifier(256, 10, widthMultiplier: 4);
        var recipe = new { n, steps = 1500, batch = 128, lr = 3e-3, seed = 3, data = "fmnist16-v1" };
        ModelCache.LoadOrTrain(net, "deediff-classifier", recipe, () =>
        {
            using var x = Images16(train, 0, n);
            using var flat = ((x + 1) / 2).flatten(1);
            using var y = tensor(Enumerable.Range(0, n).Select(i => (long)train.Labels[i]).ToArray());
            var generator = new Generator(3);
            TorchRuntime.Seed(3);
            net.train();
            TrainLoop.Run(net.parameters(), _ =>
            {
                var rows = randint(n, new long[] { 128 }, generator: generator);
                return F.cross_entropy(net.forward(flat.index_select(0, rows)), y.index_select(0, rows));
            }, new TrainOptions(1500, 3e-3, Label: "classifier check (16x16 Fashion-MNIST)"));
        });
        net.eval();
        return net;
    }

    static double Score(MlpClassifier classifier, Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return SampleQuality.ClassifierScore(classifier.forward(((images + 1) / 2).flatten(1)).softmax(-1));
    }

    static string Fmt(double x, string format = "0.000") => x.ToString(format, CultureInfo.InvariantCulture);

    static (double Mean, double Sd) Spread(IEnumerable<double> values)
    {
        var v = values.ToArray();
        double mean = v.Average();
        return (mean, v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0);
    }

    /// <summary>The DeeDiff curve's distance at a layer fraction, by linear interpolation (NaN outside its range).</summary>
    public double SweepDistanceAt(double fraction)
    {
        var pts = Sweep.OrderBy(p => p.LayerFraction).ToList();
        for (int i = 0; i + 1 < pts.Count; i++)
            if (fraction >= pts[i].LayerFraction && fraction <= pts[i + 1].LayerFraction)
            {
                double span = pts[i + 1].LayerFraction - pts[i].LayerFraction;
                double w = span <= 0 ? 0 : (fraction - pts[i].LayerFraction) / span;
                return pts[i].Distance + w * (pts[i + 1].Distance - pts[i].Distance);
            }
        return pts.Count == 1 && Math.Abs(pts[0].LayerFraction - fraction) < 1e-9 ? pts[0].Distance : double.NaN;
    }

    /// <summary>Mean exit layer (1-based) over the noisier and the cleaner half of the sampling steps, at the operating threshold.</summary>
    public (double Noisy, double Clean) ExitByNoise
    {
        get
        {
            var perStep = OperatingRun.MeanExitPerStep;
            int half = perStep.Length / 2;
            return (perStep.Take(half).Average() + 1, perStep.Skip(perStep.Length - half).Average() + 1);
        }
    }

    /// <summary>The spec's three criteria.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        var fullQ = Spread(Full.Select(p => p.Distance));
        var opQ = Spread(Operating.Select(p => p.Distance));
        double fraction = Operating.Average(p => p.LayerFraction);
        bool within = opQ.Mean <= fullQ.Mean + 2 * fullQ.Sd;
        var compared = Static.Select(s => (s, dee: SweepDistanceAt(s.LayerFraction))).Where(c => !double.IsNaN(c.dee)).ToList();
        var (noisy, clean) = ExitByNoise;
        return new[]
        {
            new Criterion("at >= 30% fewer layers executed, quality is within seed spread of the full model",
                $"DeeDiff at u ≤ {Fmt(Operating[0].Threshold, "0.0000")}: {Fmt((1 - fraction) * 100, "0.0")}% fewer layers, distance {Fmt(opQ.Mean)} ± {Fmt(opQ.Sd)} vs full {Fmt(fullQ.Mean)} ± {Fmt(fullQ.Sd)} over {Full.Count} sampling seeds (within = at most mean + 2 sd = {Fmt(fullQ.Mean + 2 * fullQ.Sd)}; real-vs-real floor {Fmt(RealDistance)}; classifier check {Fmt(Operating.Average(p => p.ClassifierScore), "0.00")} vs full {Fmt(Full.Average(p => p.ClassifierScore), "0.00")})",
                fraction <= 0.7 + 1e-9 && within),
            new Criterion("DeeDiff beats static truncation at the same layer ratio",
                compared.Count == 0
                    ? $"no static truncation point lies inside the DeeDiff sweep's layer range ({Fmt(Sweep.Min(p => p.LayerFraction), "0.00")}..{Fmt(Sweep.Max(p => p.LayerFraction), "0.00")})"
                    : string.Join("; ", compared.Select(c => $"{Fmt(c.s.LayerFraction * 100, "0")}% of layers: DeeDiff {Fmt(c.dee)} vs static (exit {c.s.Layer + 1}) {Fmt(c.s.Distance)}")),
                compared.Count > 0 && compared.All(c => c.dee < c.s.Distance)),
            new Criterion("exits concentrate at the high-noise timesteps (mean exit layer lower there)",
                $"mean exit layer {Fmt(noisy, "0.00")} over the noisier half of the {OperatingRun.Steps.Length} DDIM steps vs {Fmt(clean, "0.00")} over the cleaner half (of {Config.Model.Layers})",
                noisy < clean),
        };
    }

    /// <summary>The figures' numbers, for JSON.</summary>
    public JsonObject Numbers()
    {
        JsonNode Point(SamplingPoint p) => new JsonObject
        {
            ["method"] = p.Method, ["threshold"] = double.IsNaN(p.Threshold) ? null : Math.Round(p.Threshold, 5), ["layer"] = p.Layer < 0 ? null : p.Layer + 1,
            ["seed"] = p.Seed, ["layer_fraction"] = Math.Round(p.LayerFraction, 4), ["mflops_per_image"] = Math.Round(p.MeanFlops / 1e6, 2),
            ["distance"] = Math.Round(p.Distance, 5), ["classifier_score"] = Math.Round(p.ClassifierScore, 4),
        };
        JsonArray Rows(double[][] m) => new(m.Select(r => (JsonNode)new JsonArray(r.Select(v => (JsonNode)Math.Round(v, 6)).ToArray())).ToArray());
        return new JsonObject
        {
            ["probe_steps"] = new JsonArray(ProbeSteps.Select(t => (JsonNode)t).ToArray()),
            ["layer_to_final_mse"] = Rows(LayerToFinal),
            ["layer_to_noise_mse"] = Rows(LayerToNoise),
            ["layer_uncertainty"] = Rows(LayerUncertainty),
            ["full"] = new JsonArray(Full.Select(Point).ToArray()),
            ["sweep"] = new JsonArray(Sweep.Select(Point).ToArray()),
            ["static"] = new JsonArray(Static.Select(Point).ToArray()),
            ["operating"] = new JsonArray(Operating.Select(Point).ToArray()),
            ["mean_exit_per_step"] = new JsonArray(OperatingRun.MeanExitPerStep.Select(v => (JsonNode)Math.Round(v + 1, 3)).ToArray()),
            ["real_distance"] = Math.Round(RealDistance, 5),
            ["real_classifier_score"] = Math.Round(RealClassifierScore, 4),
            ["train_final_loss"] = Training is { } t ? Math.Round(t.FinalLoss, 6) : null,
            ["train_seconds"] = Training is { } t2 ? Math.Round(t2.Wall.TotalSeconds, 1) : null,
        };
    }
}
