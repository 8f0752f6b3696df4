using Workbench.Stats;
using System.Globalization;
using System.Text.Json.Nodes;
using Workbench.Data;
using Workbench.Data.Image;
using Workbench.Models.Vision;
using Workbench.Progress;
using Workbench.Torch;
using Workbench.Training;
using Workbench.Viz;
using static TorchSharp.torch;

namespace Workbench.Papers.Rbqe;

/// <summary>Sizes of the RBQE experiment.</summary>
/// <param name="Qualities">JPEG quality factors, mildest last (the paper's 10..50).</param>
/// <param name="Outputs">Nested outputs of the UNet++.</param>
/// <param name="Channels">Channels of every UNet++ node.</param>
/// <param name="Size">Image side in pixels.</param>
/// <param name="Crop">Training crop side (8-aligned, so blocks stay on the codec's grid; the network is fully convolutional).</param>
/// <param name="TrainPerSource">Training images per source (textures, Fashion-MNIST).</param>
/// <param name="ValidationPerSource">Validation images per source: the operating threshold is picked on them.</param>
/// <param name="TestPerSource">Test images per source: every reported number.</param>
/// <param name="Steps">Training steps.</param>
/// <param name="Batch">Crops per step (each at a random quality factor: one blind model for all).</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="Seed">Seed of weights, batches and textures.</param>
public sealed record RbqeConfig(int[] Qualities, int Outputs = 4, int Channels = 16, int Size = 64, int Crop = 32,
    int TrainPerSource = 1500, int ValidationPerSource = 40, int TestPerSource = 60, int Steps = 1800, int Batch = 16,
    double LearningRate = 1e-3, long Seed = 7)
{
    /// <summary>Tolerance for "on" the dynamic curve when comparing with a fixed-depth output (dB).</summary>
    public const double OnCurveDb = 0.01;

    /// <summary>Full: 3,000 training images, 1,800 steps of 16 crops. Quick: 200 images, 300 steps of 8 crops, 3 outputs of 8 channels.</summary>
    public static RbqeConfig For(bool quick) => quick
        ? new RbqeConfig(new[] { 10, 20, 30, 40, 50 }, Outputs: 3, Channels: 8, TrainPerSource: 100, ValidationPerSource: 6, TestPerSource: 10, Steps: 300, Batch: 8, LearningRate: 3e-3)
        : new RbqeConfig(new[] { 10, 20, 30, 40, 50 });
}

/// <summary>The RBQE experiment (Xing et al., ECCV 2020): one blind UNet++ with nested outputs enhances JPEG-like
/// images of every quality factor; at inference each image leaves at the first output whose no-reference quality
/// score reaches a threshold T, so mildly compressed images take a short path.</summary>
public sealed class RbqeResult
{
    RbqeResult(RbqeConfig config, IReadOnlyList<SourceImage> test, IReadOnlyList<EnhancedSample> samples, ExitCosts costs,
        IReadOnlyList<ThresholdPoint> curve, double threshold, double tchebichefRho, double inputRho, TrainResult? training,
        Dictionary<(int Image, int Quality), GrayImage[]> outputs)
    {
        Config = config;
        Test = test;
        Samples = samples;
        Costs = costs;
        Curve = curve;
        Threshold = threshold;
        TchebichefRho = tchebichefRho;
        InputRho = inputRho;
        Training = training;
        _outputs = outputs;
    }

    readonly Dictionary<(int Image, int Quality), GrayImage[]> _outputs;

    /// <summary>The sizes used.</summary>
    public RbqeConfig Config { get; }

    /// <summary>Output <paramref name="exit"/> (0 = output 1) for test image <paramref name="image"/> at a quality factor, as 8-bit pixels.</summary>
    public GrayImage Output(int image, int quality, int exit) => _outputs[(image, quality)][exit];

    /// <summary>Original test images.</summary>
    public IReadOnlyList<SourceImage> Test { get; }

    /// <summary>Every test image at every quality factor, enhanced by every output.</summary>
    public IReadOnlyList<EnhancedSample> Samples { get; }

    /// <summary>FLOPs per output, fixed-depth and dynamic.</summary>
    public ExitCosts Costs { get; }

    /// <summary>The dynamic curve on the test samples as T sweeps.</summary>
    public IReadOnlyList<ThresholdPoint> Curve { get; }

    /// <summary>The operating threshold, picked on validation images: mean cost half-way between output 1 and the last.</summary>
    public double Threshold { get; }

    /// <summary>Rank correlation of the spec's Tchebichef-moment score with PSNR over the test outputs (for comparison).</summary>
    public double TchebichefRho { get; }

    /// <summary>Rank correlation of the blocking score with PSNR over the compressed inputs.</summary>
    public double InputRho { get; }

    /// <summary>The training run (null when the weights came from the model cache).</summary>
    public TrainResult? Training { get; }

    /// <summary>Rank correlation of the blocking score with PSNR over every output of every test sample.</summary>
    public double ScoreRho => RankCorrelation.Spearman(Samples.SelectMany(s => s.Score).ToList(), Samples.SelectMany(s => s.Psnr).ToList());

    /// <summary>Share of test outputs whose blocking score sits at its ceiling (no boundary step energy beyond the
    /// inside of blocks): there the score cannot tell outputs apart.</summary>
    public double CeilingShare => Samples.SelectMany(s => s.Score).Average(v => v >= BlockingQuality.Ceiling - 1e-9 ? 1.0 : 0.0);

    /// <summary>The oracle: each test image at its best output (needs the original; a ceiling for any exit rule).</summary>
    public (double Gain, double MeanFlops) Oracle
    {
        get
        {
            var exits = Samples.Select(s => Array.IndexOf(s.Psnr, s.Psnr.Max())).ToArray();
            return (Samples.Select((s, i) => s.Gain(exits[i])).Average(), exits.Average(e => Costs.Dynamic[e]));
        }
    }

    /// <summary>The operating point on the test samples.</summary>
    public ThresholdPoint Operating => Costs.At(Threshold, Samples);

    /// <summary>Mean exit index (0 = output 1) per quality factor at the operating threshold.</summary>
    public IReadOnlyList<(int Quality, double MeanExit)> ExitByQuality => Config.Qualities
        .Select(q => (q, Samples.Where(s => s.Quality == q).Average(s => (double)s.ExitAt(Threshold)))).ToList();

    /// <summary>Mean PSNR gain of fixed output k (index k-1) over all test samples.</summary>
    public double FixedGain(int k) => Samples.Average(s => s.Gain(k));

    /// <summary>Trains (or loads from the model cache) the UNet++ and measures every test sample at every output.</summary>
    public static RbqeResult Run(RbqeConfig config)
    {
        var fashionTrain = FashionMnist.Train();
        var fashionTest = FashionMnist.Test();
        var train = RbqeData.Mix(config.TrainPerSource, config.Seed * 1000 + 1, fashionTrain, 0, config.Size);
        var validation = RbqeData.Mix(config.ValidationPerSource, config.Seed * 1000 + 2, fashionTrain, fashionTrain.Count - config.ValidationPerSource, config.Size);
        var test = RbqeData.Mix(config.TestPerSource, config.Seed * 1000 + 3, fashionTest, 0, config.Size);

        TorchRuntime.Seed(config.Seed);
        using var net = new UNetPlusPlus(config.Outputs, config.Channels);
        TrainResult? training = null;
        var recipe = new { config.Qualities, config.Outputs, config.Channels, config.Size, config.Crop, config.TrainPerSource, config.Steps, config.Batch, config.LearningRate, config.Seed, codec = "jpeg-like-v1", data = "textures+fmnist-v1" };
        ModelCache.LoadOrTrain(net, $"rbqe-unetpp-o{config.Outputs}-c{config.Channels}", recipe, () => training = Train(net, train, config));
        net.eval();

        var outputs = new Dictionary<(int, int), GrayImage[]>();
        var valSamples = Enhance(net, validation, config, null, "enhancing validation images");
        var testSamples = Enhance(net, test, config, outputs, "enhancing test images");
        int h = config.Size, w = config.Size;
        var fixedFlops = Enumerable.Range(1, config.Outputs).Select(k => net.FlopsToOutput(k, h, w)).ToArray();
        var dynamicFlops = Enumerable.Range(1, config.Outputs).Select(k =>
            Enumerable.Range(1, k).Sum(s => net.StageFlops(s, h, w)) + k * (net.HeadFlops(h, w) + BlockingQuality.Flops(w, h))).ToArray();
        var costs = new ExitCosts(fixedFlops, dynamicFlops);

        // Operating threshold from validation images only: the T whose mean cost is closest to half-way.
        double target = (dynamicFlops[0] + dynamicFlops[^1]) / 2;
        double threshold = costs.Sweep(valSamples).Where(p => double.IsFinite(p.Threshold)).MinBy(p => Math.Abs(p.MeanFlops - target))!.Threshold;

        var tcheb = new List<double>();
        var psnr = new List<double>();
        foreach (var ((img, q), outs) in outputs)
            foreach (var o in outs)
            {
                tcheb.Add(TchebichefQuality.Score(o));
                psnr.Add(ImageMetrics.Psnr(test[img].Original, o));
            }
        double inputRho = RankCorrelation.Spearman(testSamples.Select(s => s.InputScore).ToList(), testSamples.Select(s => s.InputPsnr).ToList());
        return new RbqeResult(config, test, testSamples, costs, costs.Sweep(testSamples), threshold,
            RankCorrelation.Spearman(tcheb, psnr), inputRho, training, outputs);
    }

    /// <summary>MSE on every output (RBQE's loss), on 8-aligned random crops at random quality factors.</summary>
    static TrainResult Train(UNetPlusPlus net, IReadOnlyList<SourceImage> images, RbqeConfig config)
    {
        using var originals = RbqeData.Bytes(images.Select(i => i.Original));
        var compressed = config.Qualities.Select(q => RbqeData.Bytes(images.Select(i => JpegLikeCodec.Compress(i.Original, q)))).ToArray();
        var rng = new Random((int)config.Seed);
        int blocks = (config.Size - config.Crop) / 8 + 1;
        net.train();
        var result = TrainLoop.Run(net.parameters(), _ =>
        {
            var xs = new List<Tensor>(config.Batch);
            var ys = new List<Tensor>(config.Batch);
            for (int b = 0; b < config.Batch; b++)
            {
                int i = rng.Next(images.Count), q = rng.Next(config.Qualities.Length), oy = 8 * rng.Next(blocks), ox = 8 * rng.Next(blocks);
                xs.Add(compressed[q][i].narrow(1, oy, config.Crop).narrow(2, ox, config.Crop));
                ys.Add(originals[i].narrow(1, oy, config.Crop).narrow(2, ox, config.Crop));
            }
            var x = stack(xs).to(ScalarType.Float32) / 255;
            var y = stack(ys).to(ScalarType.Float32) / 255;
            var outs = net.Forward(x, config.Outputs);
            return outs.Select(o => nn.functional.mse_loss(o, y)).Aggregate((a, b) => a + b) / outs.Length;
        }, new TrainOptions(config.Steps, config.LearningRate, WarmupSteps: Math.Min(100, config.Steps / 10), Label: $"UNet++ ({config.Outputs} outputs)"));
        net.eval();
        foreach (var t in compressed) t.Dispose();
        return result;
    }

    /// <summary>Every image at every quality factor through every output; keeps the output images when asked.</summary>
    static List<EnhancedSample> Enhance(UNetPlusPlus net, IReadOnlyList<SourceImage> images, RbqeConfig config,
        Dictionary<(int, int), GrayImage[]>? keep, string label)
    {
        var jobs = config.Qualities.SelectMany(q => images.Select((img, i) => (i, q))).ToList();
        var samples = new List<EnhancedSample>(jobs.Count);
        const int batch = 16;
        using var progress = ProgressTask.Start(label, jobs.Count);
        using var _ = no_grad();
        for (int start = 0; start < jobs.Count; start += batch)
        {
            using var scope = NewDisposeScope();
            var chunk = jobs.Skip(start).Take(batch).ToList();
            var inputs = chunk.Select(j => JpegLikeCodec.Compress(images[j.i].Original, j.q)).ToArray();
            var x = RbqeData.Bytes(inputs).to(ScalarType.Float32) / 255;
            var outs = net.Forward(x, config.Outputs).Select(RbqeData.Images).ToArray(); // [output][sample]
            for (int n = 0; n < chunk.Count; n++)
            {
                var (i, q) = chunk[n];
                var original = images[i].Original;
                var perOutput = outs.Select(o => o[n]).ToArray();
                samples.Add(new EnhancedSample(i, images[i].Source, q, ImageMetrics.Psnr(original, inputs[n]), BlockingQuality.Score(inputs[n]),
                    perOutput.Select(o => ImageMetrics.Psnr(original, o)).ToArray(), perOutput.Select(BlockingQuality.Score).ToArray()));
                if (keep != null) keep[(i, q)] = perOutput;
            }
            progress.Advance(chunk.Count);
        }
        return samples;
    }

    static string F(double x, string format = "0.00") => x.ToString(format, CultureInfo.InvariantCulture);
    static string Mf(double flops) => F(flops / 1e6, "0.0");

    /// <summary>The spec's three criteria, measured on the test samples.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        var exits = ExitByQuality.OrderByDescending(e => e.Quality).ToList(); // QF 50 -> 10
        bool monotone = exits.Zip(exits.Skip(1)).All(p => p.Second.MeanExit >= p.First.MeanExit) && exits[^1].MeanExit > exits[0].MeanExit;
        var compare = Enumerable.Range(1, Config.Outputs - 1) // output 1 lies left of the curve: scoring costs something even there
            .Select(k => (k, fixedGain: FixedGain(k), flops: Costs.Fixed[k], dynamic: ExitCosts.GainAt(Curve, Costs.Fixed[k]))).ToList();
        return new[]
        {
            new Criterion("the quality score's rank correlation with PSNR over test outputs is >= 0.7",
                $"Spearman ρ = {F(ScoreRho, "0.000")} over {Samples.Count * Config.Outputs} outputs (blocking-energy score, {F(CeilingShare * 100, "0")}% of outputs at its {F(BlockingQuality.Ceiling, "0.0")} dB ceiling; on the compressed inputs ρ = {F(InputRho, "0.000")}; the spec's Tchebichef-moment score gives ρ = {F(TchebichefRho, "0.000")} on the outputs)",
                ScoreRho >= 0.7),
            new Criterion("mean exit index rises monotonically with compression severity (QF 50 -> 10)",
                string.Join(", ", exits.Select(e => $"QF {e.Quality}: {F(e.MeanExit + 1, "0.00")}")) + $" (output 1..{Config.Outputs}, T = {F(Threshold, "0.0")} dB from validation)",
                monotone),
            new Criterion("the dynamic curve lies on or above the fixed-depth points (higher delta-PSNR at equal FLOPs)",
                string.Join("; ", compare.Select(c => $"output {c.k + 1} at {Mf(c.flops)} MFLOPs: fixed {F(c.fixedGain, "+0.000;-0.000")} dB, dynamic {F(c.dynamic, "+0.000;-0.000")} dB")) + $" (on = within {F(RbqeConfig.OnCurveDb)} dB; oracle exit {F(Oracle.Gain, "+0.000;-0.000")} dB at {Mf(Oracle.MeanFlops)} MFLOPs)",
                compare.All(c => !double.IsNaN(c.dynamic) && c.dynamic >= c.fixedGain - RbqeConfig.OnCurveDb)),
        };
    }

    /// <summary>The paper's trade-off figure: mean delta-PSNR against mean FLOPs per image as T sweeps, with every
    /// fixed-depth output, the operating point and the oracle (each image at its best output).</summary>
    public Figure TradeoffFigure()
    {
        var f = new Figure($"Delta-PSNR vs compute ({Samples.Count} test images, QF {string.Join("/", Config.Qualities)})");
        var finite = Curve.ToList();
        f.Line(finite.Select(p => p.MeanFlops / 1e6), finite.Select(p => p.MeanGain), "dynamic: exit at first output with score ≥ T", markers: true);
        f.Scatter(Costs.Fixed.Select(v => v / 1e6), Enumerable.Range(0, Config.Outputs).Select(FixedGain), "fixed-depth outputs", size: 11,
            text: Enumerable.Range(1, Config.Outputs).Select(k => $"output {k}"));
        var op = Operating;
        f.Scatter(new[] { op.MeanFlops / 1e6 }, new[] { op.MeanGain }, $"operating point T = {F(Threshold, "0.0")} dB", size: 13);
        var oracle = Oracle;
        f.Scatter(new[] { oracle.MeanFlops / 1e6 }, new[] { oracle.Gain }, "oracle exit (best output per image)", size: 11);
        return f.XAxis("mean MFLOPs per 64x64 image").YAxis("mean PSNR gain over the compressed input (dB)");
    }

    /// <summary>Share of test images leaving at each output, per quality factor, at the operating threshold.</summary>
    public Figure ExitHistogram()
    {
        var f = new Figure($"Where images exit, per quality factor (T = {F(Threshold, "0.0")} dB)");
        var cats = Enumerable.Range(1, Config.Outputs).Select(k => $"output {k}").ToArray();
        foreach (var q in Config.Qualities)
        {
            var exits = Samples.Where(s => s.Quality == q).Select(s => s.ExitAt(Threshold)).ToArray();
            f.Bar(cats, Enumerable.Range(0, Config.Outputs).Select(k => exits.Count(e => e == k) / (double)exits.Length), $"QF {q}");
        }
        return f.BarMode("group").XAxis("exit").YAxis("share of images", min: 0, max: 1);
    }

    /// <summary>Score against PSNR for every output of every test sample (the first criterion's scatter).</summary>
    public Figure ScoreFigure()
    {
        var f = new Figure($"No-reference blocking score vs PSNR (Spearman ρ = {F(ScoreRho, "0.000")})");
        for (int k = 0; k < Config.Outputs; k++)
            f.Scatter(Samples.Select(s => s.Score[k]), Samples.Select(s => s.Psnr[k]), $"output {k + 1}", size: 4);
        f.Scatter(Samples.Select(s => s.InputScore), Samples.Select(s => s.InputPsnr), "compressed input", size: 4);
        return f.XAxis("blocking score (dB, no reference)").YAxis("PSNR (dB, against the original)");
    }

    /// <summary>Before/after panels: compressed input, the output the exit rule chose, the original, for a texture and
    /// a Fashion-MNIST image at the harshest and the mildest quality factor.</summary>
    public Figure Panels()
    {
        int harsh = Config.Qualities.Min(), mild = Config.Qualities.Max();
        var picks = new[] { RbqeData.Textures, RbqeData.Fashion }
            .SelectMany(src => new[] { harsh, mild }.Select(q => Samples.First(s => s.Source == src && s.Quality == q)));
        var panels = new List<Figure>();
        foreach (var s in picks)
        {
            int e = s.ExitAt(Threshold);
            panels.Add(new Figure($"{s.Source} QF {s.Quality}: {F(s.InputPsnr, "0.0")} dB").Image(JpegLikeCodec.Compress(Test[s.Image].Original, s.Quality).ToUnit()));
            panels.Add(new Figure($"exit at output {e + 1}: {F(s.Psnr[e], "0.0")} dB ({F(s.Gain(e), "+0.0;-0.0;0.0")})").Image(_outputs[(s.Image, s.Quality)][e].ToUnit()));
            panels.Add(new Figure("original").Image(Test[s.Image].Original.ToUnit()));
        }
        return Figure.Grid(3, "Before / after with the chosen exit", panels.ToArray());
    }

    /// <summary>Per quality factor: input PSNR, gain of each fixed output, the dynamic gain and mean exit at T.</summary>
    public Microsoft.Data.Analysis.DataFrame Table()
    {
        var cols = new List<Microsoft.Data.Analysis.DataFrameColumn>
        {
            new Microsoft.Data.Analysis.StringDataFrameColumn("QF", Config.Qualities.Select(q => q.ToString())),
            new Microsoft.Data.Analysis.DoubleDataFrameColumn("input PSNR", Config.Qualities.Select(q => Round(Of(q).Average(s => s.InputPsnr)))),
        };
        for (int k = 0; k < Config.Outputs; k++)
        {
            int kk = k;
            cols.Add(new Microsoft.Data.Analysis.DoubleDataFrameColumn($"gain out {k + 1}", Config.Qualities.Select(q => Round(Of(q).Average(s => s.Gain(kk))))));
        }
        cols.Add(new Microsoft.Data.Analysis.DoubleDataFrameColumn("gain dynamic", Config.Qualities.Select(q => Round(Of(q).Average(s => s.Gain(s.ExitAt(Threshold)))))));
        cols.Add(new Microsoft.Data.Analysis.DoubleDataFrameColumn("mean exit", Config.Qualities.Select(q => Round(Of(q).Average(s => s.ExitAt(Threshold) + 1.0)))));
        return new Microsoft.Data.Analysis.DataFrame(cols);
    }

    IEnumerable<EnhancedSample> Of(int q) => Samples.Where(s => s.Quality == q);
    static double Round(double v) => Math.Round(v, 3);

    /// <summary>The figures' numbers, for JSON.</summary>
    public JsonObject Numbers() => new()
    {
        ["test_samples"] = Samples.Count,
        ["outputs"] = Config.Outputs,
        ["threshold_db"] = Math.Round(Threshold, 3),
        ["score_rho"] = Math.Round(ScoreRho, 4),
        ["input_score_rho"] = Math.Round(InputRho, 4),
        ["tchebichef_rho"] = Math.Round(TchebichefRho, 4),
        ["fixed_mflops"] = new JsonArray(Costs.Fixed.Select(v => (JsonNode)Math.Round(v / 1e6, 2)).ToArray()),
        ["dynamic_mflops"] = new JsonArray(Costs.Dynamic.Select(v => (JsonNode)Math.Round(v / 1e6, 2)).ToArray()),
        ["fixed_gain_db"] = new JsonArray(Enumerable.Range(0, Config.Outputs).Select(k => (JsonNode)Math.Round(FixedGain(k), 4)).ToArray()),
        ["score_ceiling_share"] = Math.Round(CeilingShare, 4),
        ["oracle"] = new JsonObject { ["mean_mflops"] = Math.Round(Oracle.MeanFlops / 1e6, 2), ["gain_db"] = Math.Round(Oracle.Gain, 4) },
        ["operating"] = new JsonObject { ["mean_mflops"] = Math.Round(Operating.MeanFlops / 1e6, 2), ["gain_db"] = Math.Round(Operating.MeanGain, 4), ["mean_exit"] = Math.Round(Operating.MeanExit + 1, 3) },
        ["per_quality"] = new JsonArray(Config.Qualities.Select(q => (JsonNode)new JsonObject
        {
            ["qf"] = q,
            ["input_psnr"] = Math.Round(Of(q).Average(s => s.InputPsnr), 3),
            ["gain_db"] = new JsonArray(Enumerable.Range(0, Config.Outputs).Select(k => (JsonNode)Math.Round(Of(q).Average(s => s.Gain(k)), 4)).ToArray()),
            ["dynamic_gain_db"] = Math.Round(Of(q).Average(s => s.Gain(s.ExitAt(Threshold))), 4),
            ["mean_exit"] = Math.Round(Of(q).Average(s => s.ExitAt(Threshold) + 1.0), 3),
        }).ToArray()),
        ["curve"] = new JsonArray(Curve.Select(p => (JsonNode)new JsonObject
        {
            ["threshold_db"] = double.IsFinite(p.Threshold) ? Math.Round(p.Threshold, 3) : null,
            ["mean_mflops"] = Math.Round(p.MeanFlops / 1e6, 2), ["gain_db"] = Math.Round(p.MeanGain, 4), ["mean_exit"] = Math.Round(p.MeanExit + 1, 3),
        }).ToArray()),
        ["train_final_loss"] = Training is { } t ? Math.Round(t.FinalLoss, 6) : null,
        ["train_seconds"] = Training is { } t2 ? Math.Round(t2.Wall.TotalSeconds, 1) : null,
    };
}
