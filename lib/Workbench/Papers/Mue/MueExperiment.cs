using System.Globalization;
using System.Text.Json.Nodes;
using Workbench.EarlyExit;
using Workbench.Models.Vision;
using Workbench.Progress;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Papers.Mue;

/// <summary>One evaluation of one exit method at one threshold on one task.</summary>
/// <param name="Method">The method's name (see <see cref="MueResult.Methods"/>).</param>
/// <param name="Quantile">The swept quantile (NaN for the full model).</param>
/// <param name="Reduction">Share of the full model's FLOPs saved (its mean over the task's examples): the "layer reduction".</param>
/// <param name="Performance">Task score: entailment accuracy or caption word accuracy.</param>
/// <param name="Share">Performance as a share of the full model's.</param>
/// <param name="ImageLayers">Mean encoder layers run by image tokens.</param>
/// <param name="TextLayers">Mean encoder layers run by text tokens.</param>
/// <param name="DecoderLayers">Mean decoder layers run per generated token.</param>
public sealed record MuePoint(string Method, double Quantile, double Reduction, double Performance, double Share,
    double ImageLayers, double TextLayers, double DecoderLayers);

/// <summary>The thresholds one quantile gives each signal (calibrated on held-out examples of both tasks).</summary>
/// <param name="Image">Encoder image-token similarity.</param>
/// <param name="Text">Encoder text-token similarity.</param>
/// <param name="Joint">Encoder similarity over all tokens (no modality split).</param>
/// <param name="Decoder">Decoder per-token similarity.</param>
/// <param name="Confidence">Decoder per-token top probability.</param>
public sealed record MueThresholds(double Image, double Text, double Joint, double Decoder, double Confidence);

/// <summary>The MuE experiment (Tang et al., You Need Multiple Exiting: Dynamic Early Exiting for Accelerating Unified
/// Vision Language Model, CVPR 2023) on a toy OFA: one 4 + 4 layer encoder-decoder trained on scene entailment and
/// captioning with the layer-wise loss, then every exit method swept over thresholds on held-out examples.</summary>
public sealed partial class MueResult
{
    /// <summary>The exit methods compared, in figure order: MuE and the spec's baselines.</summary>
    public static readonly string[] Methods = { "MuE", "encoder-only exit", "decoder-only exit", "MuE without modality split", "confidence decoder exit" };

    /// <summary>The settings used.</summary>
    public MueConfig Config { get; private init; } = null!;

    /// <summary>The training run (null when the weights came from the model cache).</summary>
    public TrainResult? Training { get; private init; }

    /// <summary>The words of both tasks.</summary>
    public MueTasks Tasks { get; private init; } = null!;

    /// <summary>Full-model score per task.</summary>
    public IReadOnlyDictionary<MueTask, double> FullPerformance { get; private init; } = null!;

    /// <summary>Every sweep point per task (the full model first, at reduction 0, in every method's curve).</summary>
    public IReadOnlyDictionary<MueTask, IReadOnlyList<MuePoint>> Points { get; private init; } = null!;

    /// <summary>Thresholds per swept quantile.</summary>
    public IReadOnlyList<(double Quantile, MueThresholds Thresholds)> Thresholds { get; private init; } = null!;

    /// <summary>Full model, held-out examples of both tasks: mean similarity after each encoder layer per modality.</summary>
    public double[] ImageSimilarity { get; private init; } = Array.Empty<double>();

    /// <summary>The same for text tokens.</summary>
    public double[] TextSimilarity { get; private init; } = Array.Empty<double>();

    /// <summary>The same for decoder tokens (teacher-forced targets).</summary>
    public double[] DecoderSimilarity { get; private init; } = Array.Empty<double>();

    /// <summary>The operating point shown in the exit strip: the MuE quantile with the largest captioning reduction that
    /// keeps the spec's share (else the best-scoring MuE point).</summary>
    public double OperatingQuantile { get; private init; }

    /// <summary>The first captioning and entailment examples with their generation at the operating point and in full.</summary>
    public IReadOnlyList<(MueExample Example, GeneratedExample Exiting, GeneratedExample Full)> Shown { get; private init; } = null!;

    /// <summary>Trains (or loads from the model cache) the model, calibrates the thresholds, sweeps every method.</summary>
    public static MueResult Run(MueConfig config)
    {
        var tasks = new MueTasks();
        if (config.Model.VocabSize != tasks.Tokenizer.VocabularySize)
            throw new ArgumentException($"the model has {config.Model.VocabSize} words, the tasks use {tasks.Tokenizer.VocabularySize}");
        TorchRuntime.Seed(config.Seed);
        var model = new SceneEncoderDecoder(config.Model);
        TrainResult? training = null;
        var recipe = new { config.Model, config.Steps, config.Batch, config.LearningRate, config.Seed, config.EntailmentFirstSteps, data = "mue-scenes-v1", loss = "layerwise-v1" };
        ModelCache.LoadOrTrain(model, $"mue-encdec-d{config.Model.Dim}", recipe, () => training = MueTraining.Train(model, tasks, config));
        model.eval();

        // Held-out seeds: training batches use Derive(Seed, step), so these fixed seeds never occur in training.
        var eval = new Dictionary<MueTask, MueBatch>
        {
            [MueTask.Entailment] = tasks.Build(tasks.Sample(config.EvalExamples, 424_242, MueTask.Entailment)),
            [MueTask.Caption] = tasks.Build(tasks.Sample(config.EvalExamples, 434_343, MueTask.Caption)),
        };
        using var calibration = tasks.Build(tasks.Sample(2 * config.CalibrationExamples, 515_151));
        try
        {
            var quantiles = config.Sweep;
            var (imageSim, textSim, decoderSim, thresholds) = Calibrate(model, calibration, eval, quantiles);

            var methods = new (string Name, Func<MueThresholds, EncoderExit> Encoder, Func<MueThresholds, DecoderExit> Decoder)[]
            {
                (Methods[0], t => new EncoderExit(t.Image, t.Text), t => new DecoderExit(DecoderSignal.Similarity, t.Decoder)),
                (Methods[1], t => new EncoderExit(t.Image, t.Text), _ => DecoderExit.None),
                (Methods[2], _ => EncoderExit.None, t => new DecoderExit(DecoderSignal.Similarity, t.Decoder)),
                (Methods[3], t => EncoderExit.Joint(t.Joint), t => new DecoderExit(DecoderSignal.Similarity, t.Decoder)),
                (Methods[4], _ => EncoderExit.None, t => new DecoderExit(DecoderSignal.Confidence, t.Confidence)),
            };
            using var progress = ProgressTask.Start("MuE sweep", 2 * (1 + methods.Length * quantiles.Length));
            var fullPerformance = new Dictionary<MueTask, double>();
            var points = new Dictionary<MueTask, IReadOnlyList<MuePoint>>();
            var fullRuns = new Dictionary<MueTask, GeneratedExample[]>();
            var operatingRuns = new Dictionary<(MueTask, double), GeneratedExample[]>();
            foreach (var (task, batch) in eval)
            {
                var full = MueGeneration.Generate(model, batch, EncoderExit.None, DecoderExit.None, tasks.Tokenizer.EosId, tasks.Tokenizer.BosId);
                progress.Advance();
                fullRuns[task] = full;
                double fullScore = Mean(batch, full, tasks), fullFlops = full.Average(g => g.Flops);
                fullPerformance[task] = fullScore;
                MuePoint Point(string method, double q, GeneratedExample[] runs) => new(method, q, 1 - runs.Average(g => g.Flops) / fullFlops,
                    Mean(batch, runs, tasks), fullScore > 0 ? Mean(batch, runs, tasks) / fullScore : double.NaN,
                    runs.Average(g => g.ImageLayers), runs.Average(g => g.TextLayers), runs.Average(g => g.DecoderLayers.Average()));
                var list = new List<MuePoint> { Point("full model", double.NaN, full) };
                foreach (var (name, encoder, decoder) in methods)
                    foreach (var (q, t) in thresholds)
                    {
                        var runs = MueGeneration.Generate(model, batch, encoder(t), decoder(t), tasks.Tokenizer.EosId, tasks.Tokenizer.BosId);
                        if (name == Methods[0]) operatingRuns[(task, q)] = runs;
                        list.Add(Point(name, q, runs));
                        progress.Advance();
                    }
                points[task] = list;
            }

            var mueCaption = points[MueTask.Caption].Where(p => p.Method == Methods[0]).ToList();
            var op = mueCaption.Where(p => p.Share >= config.KeepShare).OrderByDescending(p => p.Reduction).FirstOrDefault()
                ?? mueCaption.OrderByDescending(p => p.Share).First();
            var shown = new List<(MueExample, GeneratedExample, GeneratedExample)>();
            foreach (var task in new[] { MueTask.Caption, MueTask.Entailment })
                for (int i = 0; i < Math.Min(task == MueTask.Caption ? 8 : 4, config.EvalExamples); i++)
                    shown.Add((eval[task].Examples[i], operatingRuns[(task, op.Quantile)][i], fullRuns[task][i]));

            return new MueResult
            {
                Config = config, Training = training, Tasks = tasks, FullPerformance = fullPerformance, Points = points, Thresholds = thresholds,
                ImageSimilarity = imageSim, TextSimilarity = textSim, DecoderSimilarity = decoderSim, OperatingQuantile = op.Quantile, Shown = shown,
            };
        }
        finally
        {
            foreach (var b in eval.Values) b.Dispose();
            model.Dispose();
        }
    }

    static double Mean(MueBatch batch, GeneratedExample[] runs, MueTasks tasks) =>
        runs.Select((g, i) => MueGeneration.Score(batch.Examples[i], g, tasks)).Average();

    /// <summary>Runs the full model teacher-forced on the calibration examples, collects every signal after every layer
    /// but the last (the exit candidates) and places each quantile's threshold; also measures the similarity-vs-depth
    /// profile on the evaluation examples.</summary>
    static (double[], double[], double[], IReadOnlyList<(double, MueThresholds)>) Calibrate(SceneEncoderDecoder model, MueBatch calibration,
        IReadOnlyDictionary<MueTask, MueBatch> eval, double[] quantiles)
    {
        using var _ = no_grad();
        int p = model.Config.Patches, s = model.Config.Sources;
        List<double> image = new(), text = new(), joint = new(), decoder = new(), confidence = new();
        var enc = model.Encode(calibration.Images, calibration.Text);
        var mask = calibration.Labels.data<long>().ToArray();
        int t = (int)calibration.Labels.shape[1];
        var sim = model.Decode(enc.Memory, calibration.Input);
        var conf = model.Decode(enc.Memory, calibration.Input, new DecoderExit(DecoderSignal.Confidence, double.PositiveInfinity));
        for (int j = 0; j + 1 < model.Config.EncoderLayers; j++)
            for (int n = 0; n < enc.ImageLayers.Length; n++)
            {
                image.Add(enc.Similarity[j][n, 0]);
                text.Add(enc.Similarity[j][n, 1]);
                joint.Add((p * enc.Similarity[j][n, 0] + (s - p) * enc.Similarity[j][n, 1]) / s);
            }
        for (int j = 0; j + 1 < model.Config.DecoderLayers; j++)
            for (int k = 0; k < mask.Length; k++)
                if (mask[k] != -100)
                {
                    decoder.Add(sim.Signals[j][k / t, k % t]);
                    confidence.Add(conf.Signals[j][k / t, k % t]);
                }
        enc.Memory.Dispose();
        sim.Logits.Dispose();
        conf.Logits.Dispose();
        var thresholds = quantiles.Select(q => (q, new MueThresholds(Selective.Quantile(image, q), Selective.Quantile(text, q), Selective.Quantile(joint, q),
            Selective.Quantile(decoder, q), Selective.Quantile(confidence, q)))).ToList();

        // Similarity vs depth, full model, on the evaluation examples of both tasks.
        int le = model.Config.EncoderLayers, ld = model.Config.DecoderLayers;
        double[] imageProfile = new double[le], textProfile = new double[le], decoderProfile = new double[ld];
        int examples = 0, tokens = 0;
        foreach (var batch in eval.Values)
        {
            var e = model.Encode(batch.Images, batch.Text);
            var d = model.Decode(e.Memory, batch.Input);
            var labels = batch.Labels.data<long>().ToArray();
            int bt = (int)batch.Labels.shape[1];
            for (int n = 0; n < e.ImageLayers.Length; n++)
                for (int j = 0; j < le; j++)
                {
                    imageProfile[j] += e.Similarity[j][n, 0];
                    textProfile[j] += e.Similarity[j][n, 1];
                }
            examples += e.ImageLayers.Length;
            for (int k = 0; k < labels.Length; k++)
                if (labels[k] != -100)
                {
                    for (int j = 0; j < ld; j++) decoderProfile[j] += d.Signals[j][k / bt, k % bt];
                    tokens++;
                }
            e.Memory.Dispose();
            d.Logits.Dispose();
        }
        return (imageProfile.Select(v => v / examples).ToArray(), textProfile.Select(v => v / examples).ToArray(),
            decoderProfile.Select(v => v / tokens).ToArray(), thresholds);
    }

    static string F(double x, string format = "0.0") => x.ToString(format, CultureInfo.InvariantCulture);

    static string Pct(double x) => F(x * 100);

    static string TaskName(MueTask task) => task == MueTask.Entailment ? "entailment" : "captioning";

    /// <summary>The method's points on a task, most reduction last (the full model included as the zero point).</summary>
    public IReadOnlyList<MuePoint> Curve(MueTask task, string method) =>
        Points[task].Where(p => p.Method == method || p.Method == "full model").OrderBy(p => p.Reduction).ToList();

    /// <summary>The largest reduction MuE reaches on a task while keeping the spec's share of full performance.</summary>
    public MuePoint? BestKeeping(MueTask task) =>
        Points[task].Where(p => p.Method == Methods[0] && p.Share >= Config.KeepShare).OrderByDescending(p => p.Reduction).FirstOrDefault();

    /// <summary>Decoder-only points on a task that no MuE point matches or beats on both reduction and performance.</summary>
    public IReadOnlyList<MuePoint> Undominated(MueTask task)
    {
        var mue = Points[task].Where(p => p.Method == Methods[0]).ToList();
        return Points[task].Where(p => p.Method == Methods[2] && p.Reduction > 0)
            .Where(d => !mue.Any(m => m.Reduction >= d.Reduction && m.Performance >= d.Performance)).ToList();
    }

    /// <summary>Full entailment accuracy below which the task counts as not learned (yes / no is 50% by chance).</summary>
    public const double ChanceGuard = 0.6;

    /// <summary>The spec's three "Reproduced if" criteria, measured.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        var tasks = new[] { MueTask.Entailment, MueTask.Caption };
        var best = tasks.Select(t => (Task: t, Point: BestKeeping(t))).ToList();
        string keepMeasured = string.Join("; ", best.Select(b => b.Point is { } p
            ? $"{TaskName(b.Task)}: {Pct(p.Reduction)}% reduction at {Pct(p.Share)}% of full ({F(p.Performance * 100)} vs {F(FullPerformance[b.Task] * 100)}, quantile {F(p.Quantile, "0.00")})"
            : $"{TaskName(b.Task)}: no MuE point keeps {Pct(Config.KeepShare)}%"));
        // A share of chance-level performance means nothing: entailment (yes / no) counts only if the full model learned it.
        bool learned = FullPerformance[MueTask.Entailment] >= ChanceGuard;
        if (!learned) keepMeasured += $"; the full model answers entailment at chance ({F(FullPerformance[MueTask.Entailment] * 100)}% < {Pct(ChanceGuard)}%), so its share is not evidence";
        bool keeps = learned && best.All(b => b.Point is { } p && p.Reduction >= Config.MinReduction);

        var undominated = tasks.Select(t => (Task: t, Points: Undominated(t))).ToList();
        string domMeasured = string.Join("; ", undominated.Select(u =>
        {
            int total = Points[u.Task].Count(p => p.Method == Methods[2] && p.Reduction > 0);
            return u.Points.Count == 0
                ? $"{TaskName(u.Task)}: all {total} decoder-only points matched or beaten by a MuE point"
                : $"{TaskName(u.Task)}: {u.Points.Count} of {total} decoder-only points beat every MuE point at their reduction, e.g. {Pct(u.Points[0].Reduction)}% at {F(u.Points[0].Performance * 100)}";
        }));
        bool dominates = undominated.All(u => u.Points.Count == 0) && tasks.All(t => Points[t].Any(p => p.Method == Methods[2] && p.Reduction > 0));

        static bool Rises(double[] v) => Enumerable.Range(1, v.Length - 1).All(i => v[i] > v[i - 1]);
        string Profile(double[] v) => string.Join(" -> ", v.Select(x => F(x, "0.000")));
        return new[]
        {
            new Criterion($"MuE keeps >= {Pct(Config.KeepShare)}% of full performance at >= {Pct(Config.MinReduction)}% layer reduction (both tasks)", keepMeasured, keeps),
            new Criterion("MuE dominates decoder-only exiting across the sweep", domMeasured, dominates),
            new Criterion("mean consecutive-layer similarity rises with depth for both modalities",
                $"image {Profile(ImageSimilarity)}; text {Profile(TextSimilarity)} (encoder layers 1-{ImageSimilarity.Length}, full model)",
                Rises(ImageSimilarity) && Rises(TextSimilarity)),
        };
    }

    /// <summary>The figure's numbers: full scores, every point, thresholds, similarity profiles.</summary>
    public JsonObject Numbers()
    {
        JsonArray Arr(IEnumerable<double> v) => new(v.Select(x => (JsonNode)Math.Round(x, 5)).ToArray());
        var o = new JsonObject
        {
            ["train_seconds"] = Training is { } t ? Math.Round(t.Wall.TotalSeconds, 1) : null,
            ["final_loss"] = Training is { } r ? Math.Round(r.FinalLoss, 4) : null,
            ["full_entailment_accuracy"] = Math.Round(FullPerformance[MueTask.Entailment], 4),
            ["full_caption_word_accuracy"] = Math.Round(FullPerformance[MueTask.Caption], 4),
            ["image_similarity"] = Arr(ImageSimilarity),
            ["text_similarity"] = Arr(TextSimilarity),
            ["decoder_similarity"] = Arr(DecoderSimilarity),
            ["operating_quantile"] = OperatingQuantile,
            ["thresholds"] = new JsonArray(Thresholds.Select(x => (JsonNode)new JsonObject
            {
                ["quantile"] = x.Quantile, ["image"] = Math.Round(x.Thresholds.Image, 5), ["text"] = Math.Round(x.Thresholds.Text, 5),
                ["joint"] = Math.Round(x.Thresholds.Joint, 5), ["decoder"] = Math.Round(x.Thresholds.Decoder, 5), ["confidence"] = Math.Round(x.Thresholds.Confidence, 5),
            }).ToArray()),
        };
        foreach (var (task, pts) in Points)
            o[TaskName(task)] = new JsonArray(pts.Select(p => (JsonNode)new JsonObject
            {
                ["method"] = p.Method, ["quantile"] = double.IsNaN(p.Quantile) ? null : p.Quantile, ["reduction"] = Math.Round(p.Reduction, 4),
                ["performance"] = Math.Round(p.Performance, 4), ["share"] = Math.Round(p.Share, 4), ["image_layers"] = Math.Round(p.ImageLayers, 3),
                ["text_layers"] = Math.Round(p.TextLayers, 3), ["decoder_layers"] = Math.Round(p.DecoderLayers, 3),
            }).ToArray());
        return o;
    }
}
