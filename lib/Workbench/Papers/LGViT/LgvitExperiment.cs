using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Workbench.Data;
using Workbench.EarlyExit;
using Workbench.Models.Vision;
using Workbench.Progress;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Papers.LGViT;

/// <summary>Early-exit inference timed at one threshold, against the full model on the same images in the same run.</summary>
/// <param name="Threshold">Confidence threshold.</param>
/// <param name="FlopsSpeedup">FLOPs-based speedup on the timed images.</param>
/// <param name="MeasuredSpeedup">Wall-clock speedup: full-model time over early-exit time (best of three rounds each).</param>
/// <param name="Seconds">Early-exit wall time.</param>
/// <param name="FullSeconds">The full model's wall time on the same images.</param>
/// <param name="Accuracy">Early-exit accuracy on the timed images.</param>
public sealed record TimedPoint(double Threshold, double FlopsSpeedup, double MeasuredSpeedup, double Seconds, double FullSeconds, double Accuracy);

/// <summary>One trained variant: its head family, whether stage 2 ran, its outputs on validation and test images, the
/// test accuracy-speedup curve and the timed points.</summary>
public sealed record LgvitVariant(string Name, HeadFamily Family, bool Stage2, MultiExitOutputs Validation, MultiExitOutputs Test,
    IReadOnlyList<SpeedupPoint> Curve, IReadOnlyList<TimedPoint> Timed, double TrainSeconds, bool FromCache)
{
    /// <summary>Accuracy of the final classifier alone (the full model).</summary>
    public double FullAccuracy(IReadOnlyList<int> labels) => Test.ExitAccuracy(Test.Exits - 1, labels);
}

/// <summary>The operating point of a variant: the fastest swept threshold within the allowed loss on validation
/// images, and what it gives on the test images.</summary>
public sealed record OperatingPoint(double Threshold, double ValidationSpeedup, double ValidationLoss, EarlyExitOutcome Test, double TestLoss);

/// <summary>The LGViT experiment (Xu et al., LGViT: dynamic early exiting for vision transformers): linear vs LGViT
/// heads, each after stage 1 and after stage 2, on Fashion-MNIST; confidence-based exits swept for accuracy vs speedup.</summary>
public sealed partial class LgvitResult
{
    LgvitResult(LgvitConfig config, IReadOnlyList<LgvitVariant> variants, int[] validationLabels, int[] testLabels, ImageSet testImages)
    {
        Config = config;
        Variants = variants;
        ValidationLabels = validationLabels;
        TestLabels = testLabels;
        TestImages = testImages;
    }

    /// <summary>The settings used.</summary>
    public LgvitConfig Config { get; }

    /// <summary>Linear, linear + stage 2, LGViT, LGViT + stage 2 (the full method), in that order.</summary>
    public IReadOnlyList<LgvitVariant> Variants { get; }

    /// <summary>Seconds spent training (or loading) the shared base backbone.</summary>
    public double BaseSeconds { get; private init; }

    /// <summary>Labels of the validation images.</summary>
    public int[] ValidationLabels { get; }

    /// <summary>Labels of the test images.</summary>
    public int[] TestLabels { get; }

    /// <summary>The test images (for the gallery).</summary>
    public ImageSet TestImages { get; }

    /// <summary>A variant by family and stage.</summary>
    public LgvitVariant Variant(HeadFamily family, bool stage2) => Variants.First(v => v.Family == family && v.Stage2 == stage2);

    /// <summary>The full method: LGViT heads after both stages.</summary>
    public LgvitVariant Method => Variant(HeadFamily.Lgvit, stage2: true);

    /// <summary>Fashion-MNIST images [n, 1, 28, 28], standardised with the training split's mean and deviation.</summary>
    public static Tensor Images(ImageSet set, int first, int count)
    {
        var (x, _) = MlpClassifier.Tensors(set, first, count);
        using (x) return ((x - 0.2860f) / 0.3530f).view(count, 1, set.Rows, set.Cols);
    }

    static int[] Labels(ImageSet set, int first, int count) => Enumerable.Range(first, count).Select(i => (int)set.Labels[i]).ToArray();

    /// <summary>Trains (or loads from the model cache) both head families through both stages and measures everything.</summary>
    public static LgvitResult Run(LgvitConfig config)
    {
        var train = FashionMnist.Train();
        var test = FashionMnist.Test();
        if (config.TrainCount + config.ValidationCount > train.Count)
            throw new ArgumentException($"{config.TrainCount} training + {config.ValidationCount} validation images exceed the {train.Count} available");
        int testCount = Math.Min(config.TestCount, test.Count), valFirst = train.Count - config.ValidationCount;
        using var xTrain = Images(train, 0, config.TrainCount);
        using var yTrain = tensor(Labels(train, 0, config.TrainCount).Select(l => (long)l).ToArray());
        using var xVal = Images(train, valFirst, config.ValidationCount);
        using var xTest = Images(test, 0, testCount);
        var valLabels = Labels(train, valFirst, config.ValidationCount);
        var testLabels = Labels(test, 0, testCount);
        using var xTimed = xTest.narrow(0, 0, Math.Min(config.TimingCount, testCount));
        var timedLabels = testLabels.Take((int)xTimed.shape[0]).ToArray();

        var variants = new List<LgvitVariant>();
        double baseSeconds = 0;
        using var progress = ProgressTask.Start("LGViT variants", 4);
        foreach (var family in new[] { HeadFamily.Linear, HeadFamily.Lgvit })
        {
            TorchRuntime.Seed(config.Seed);
            using var model = new MultiExitVisionTransformer(config.Vit, config.Layout(family));
            string name = family == HeadFamily.Lgvit ? "LGViT heads" : "linear heads";
            // Both families start from the same base backbone (trained once, then loaded from the cache).
            var baseClock = Stopwatch.StartNew();
            ModelCache.LoadOrTrain(model.Backbone, "lgvit-base", config.BaseRecipe, () => LgvitTraining.Base(model.Backbone, xTrain, yTrain, config));
            baseSeconds = Math.Max(baseSeconds, baseClock.Elapsed.TotalSeconds);
            foreach (bool stage2 in new[] { false, true })
            {
                var clock = Stopwatch.StartNew();
                bool cached = stage2
                    ? ModelCache.LoadOrTrain(model, $"lgvit-{family.ToString().ToLowerInvariant()}-stage2", config.Stage2Recipe(family),
                        () => LgvitTraining.Stage2(model, xTrain, yTrain, config, $"{name}: stage 2"))
                    : ModelCache.LoadOrTrain(model, $"lgvit-{family.ToString().ToLowerInvariant()}-stage1", config.Stage1Recipe(family),
                        () => LgvitTraining.Stage1(model, xTrain, yTrain, config, $"{name}: stage 1"));
                double trainSeconds = clock.Elapsed.TotalSeconds;
                string label = stage2 ? $"{name} + stage 2" : name;
                var val = Outputs(model, label, xVal);
                var tst = Outputs(model, label, xTest);
                var curve = EarlyExitCurves.ConfidenceSweep(tst, config.SweepThresholds, testLabels);
                var timedOutputs = tst with { Probs = tst.Probs.Select(exit => exit.Take((int)xTimed.shape[0]).ToArray()).ToArray() }; // the first test images
                variants.Add(new LgvitVariant(label, family, stage2, val, tst, curve, Timed(model, xTimed, timedOutputs, timedLabels, config), trainSeconds, cached));
                progress.Advance();
            }
        }
        return new LgvitResult(config, variants, valLabels, testLabels, test) { BaseSeconds = baseSeconds };
    }

    static MultiExitOutputs Outputs(MultiExitVisionTransformer model, string name, Tensor images) => new(
        name, model.Exits.Select(e => $"layer {e.Layer}").Append($"layer {model.Backbone.Config.Layers} (final)").ToList(),
        CachedProbabilities(model, images), model.CostToExit(), model.FullModelFlops);

    /// <summary>Every exit's probabilities on the images, from the model cache when these weights already saw these
    /// images (keyed by both fingerprints, so a retrained model recomputes): a cached re-run only repeats the timing.
    /// Stored as float32, which is lossless: the softmax is computed in float32.</summary>
    static double[][][] CachedProbabilities(MultiExitVisionTransformer model, Tensor images)
    {
        var key = new { weights = ModelCache.Fingerprint(model), images = ModelCache.Fingerprint(images) };
        var stored = ModelCache.LoadOrCompute("lgvit-outputs", key, () =>
        {
            var probs = model.Probabilities(images);
            int exits = probs.Length, n = probs[0].Length, classes = probs[0][0].Length;
            var flat = probs.SelectMany(e => e.SelectMany(p => p.Select(v => (float)v))).ToArray();
            return new Dictionary<string, Tensor> { ["probs"] = tensor(flat, new long[] { exits, n, classes }) };
        });
        using var t = stored["probs"];
        int e = (int)t.shape[0], count = (int)t.shape[1], c = (int)t.shape[2];
        var values = t.data<float>().ToArray();
        return Enumerable.Range(0, e).Select(k => Enumerable.Range(0, count)
            .Select(i => Enumerable.Range(0, c).Select(j => (double)values[((long)k * count + i) * c + j]).ToArray()).ToArray()).ToArray();
    }

    /// <summary>Times early-exit inference at each timed threshold against the full model (no heads) on the same
    /// images: three rounds, each timing the full model once and then every threshold, the best of each kept, so all
    /// see the same machine load (one full-model pass per round serves every threshold).</summary>
    static IReadOnlyList<TimedPoint> Timed(MultiExitVisionTransformer model, Tensor images, MultiExitOutputs outputs, int[] labels, LgvitConfig config)
    {
        model.eval();
        var policies = config.TimedThresholds.Select(t => new ConfidencePolicy(t)).ToArray();
        double full = double.PositiveInfinity;
        var seconds = policies.Select(_ => double.PositiveInfinity).ToArray();
        for (int r = 0; r < 3; r++)
        {
            full = Math.Min(full, Time(() => model.Backbone.forward(images)));
            for (int k = 0; k < policies.Length; k++)
            {
                var policy = policies[k];
                seconds[k] = Math.Min(seconds[k], Time(() => model.Infer(images, policy)));
            }
        }
        return policies.Select((policy, k) =>
        {
            var outcome = outputs.Run(policy, labels);
            return new TimedPoint(policy.Threshold, outcome.Speedup, full / seconds[k], seconds[k], full, outcome.Accuracy);
        }).ToList();
    }

    static double Time(Action run)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The operating point of a variant: the fastest swept threshold whose validation accuracy is within
    /// <see cref="LgvitConfig.MaxLoss"/> of the full model's, applied to the test images.</summary>
    public OperatingPoint Operating(LgvitVariant v)
    {
        double valFull = v.Validation.ExitAccuracy(v.Validation.Exits - 1, ValidationLabels);
        var valCurve = EarlyExitCurves.ConfidenceSweep(v.Validation, Config.SweepThresholds, ValidationLabels);
        var best = EarlyExitCurves.FastestWithin(valCurve, valFull, Config.MaxLoss) ?? valCurve.OrderBy(p => p.Speedup).First();
        var test = v.Test.Run(new ConfidencePolicy(best.Threshold), TestLabels);
        return new OperatingPoint(best.Threshold, best.Speedup, valFull - best.Accuracy, test, v.FullAccuracy(TestLabels) - test.Accuracy);
    }

    /// <summary>Mean test accuracy of the shallowest half of a variant's exit heads.</summary>
    public double ShallowHalfAccuracy(LgvitVariant v)
    {
        int half = (Config.ExitLayers.Length + 1) / 2;
        return Enumerable.Range(0, half).Average(k => v.Test.ExitAccuracy(k, TestLabels));
    }

    static string F(double x, string format = "0.0") => x.ToString(format, CultureInfo.InvariantCulture);
    static string Pt(double x) => F(x * 100, "0.0");
    static string Signed(double x) => (x < 0 ? "-" : "+") + F(Math.Abs(x), "0.00");

    /// <summary>The spec's "Reproduced if" criteria, each with its measured value.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        var pairs = new[] { false, true }.Select(s => (stage2: s, cmp: EarlyExitCurves.Compare(Variant(HeadFamily.Lgvit, s).Curve, Variant(HeadFamily.Linear, s).Curve))).ToList();
        string Pair((bool stage2, CurveComparison cmp) p) =>
            $"{(p.stage2 ? "after stage 2" : "stage 1 only")}: LGViT - linear accuracy at least {Signed(p.cmp.MinGap * 100)} pt (at {F(p.cmp.AtSpeedup, "0.00")}x), mean {Signed(p.cmp.MeanGap * 100)} pt over {F(p.cmp.Low, "0.00")}-{F(p.cmp.High, "0.00")}x";

        var op = Operating(Method);
        var timed = Method.Timed.OrderBy(t => Math.Abs(t.Threshold - op.Threshold)).First();

        var shallow = new[] { HeadFamily.Lgvit, HeadFamily.Linear }
            .Select(f => (f, before: ShallowHalfAccuracy(Variant(f, false)), after: ShallowHalfAccuracy(Variant(f, true)))).ToList();
        int half = (Config.ExitLayers.Length + 1) / 2;
        return new[]
        {
            new Criterion("the LGViT-head curve dominates the linear-head curve (higher accuracy at every matched speedup in the sweep range)",
                string.Join("; ", pairs.Select(Pair)) + " (FLOPs-based speedup, test images)",
                pairs.All(p => p.cmp.Dominates)),
            new Criterion(">= 1.5x speedup at <= 1 point accuracy loss versus the full model",
                $"LGViT + stage 2 at threshold {F(op.Threshold, "0.####")} (picked on validation): {F(op.Test.Speedup, "0.00")}x FLOPs speedup, "
                + $"test accuracy {Pt(op.Test.Accuracy)}% vs full {Pt(Method.FullAccuracy(TestLabels))}% (loss {F(op.TestLoss * 100, "0.00")} pt; negative = a gain); "
                + $"measured {F(timed.MeasuredSpeedup, "0.00")}x wall clock at threshold {F(timed.Threshold, "0.##")} ({F(timed.FlopsSpeedup, "0.00")}x by FLOPs)",
                op.Test.Speedup >= Config.TargetSpeedup && op.TestLoss <= Config.MaxLoss + 1e-12),
            new Criterion("stage 2 raises the mean accuracy of the shallowest half of the exits",
                string.Join("; ", shallow.Select(s => $"{(s.f == HeadFamily.Lgvit ? "LGViT" : "linear")} heads, exits at layers {string.Join(",", Config.ExitLayers.Take(half))}: {Pt(s.before)}% -> {Pt(s.after)}%")),
                shallow[0].after > shallow[0].before),
        };
    }

    /// <summary>The figures' numbers, for JSON.</summary>
    public JsonObject Numbers()
    {
        var op = Operating(Method);
        return new JsonObject
        {
            ["test_images"] = TestLabels.Length,
            ["validation_images"] = ValidationLabels.Length,
            ["train_images"] = Config.TrainCount,
            ["base_seconds"] = Math.Round(BaseSeconds, 1),
            ["exit_layers"] = new JsonArray(Config.ExitLayers.Select(l => (JsonNode)l).ToArray()),
            ["full_model_flops"] = Method.Test.FullCost,
            ["timed_images"] = Math.Min(Config.TimingCount, TestLabels.Length),
            ["operating_point"] = new JsonObject
            {
                ["threshold"] = op.Threshold,
                ["test_speedup"] = Math.Round(op.Test.Speedup, 3),
                ["test_accuracy"] = Math.Round(op.Test.Accuracy, 4),
                ["test_loss"] = Math.Round(op.TestLoss, 4),
                ["validation_speedup"] = Math.Round(op.ValidationSpeedup, 3),
                ["validation_loss"] = Math.Round(op.ValidationLoss, 4),
            },
            ["variants"] = new JsonArray(Variants.Select(v => (JsonNode)new JsonObject
            {
                ["name"] = v.Name,
                ["from_cache"] = v.FromCache,
                ["train_seconds"] = Math.Round(v.TrainSeconds, 1),
                ["cost_to_exit_flops"] = new JsonArray(v.Test.CostToExit.Select(c => (JsonNode)Math.Round(c)).ToArray()),
                ["exit_accuracy"] = new JsonArray(Enumerable.Range(0, v.Test.Exits).Select(k => (JsonNode)Math.Round(v.Test.ExitAccuracy(k, TestLabels), 4)).ToArray()),
                ["curve"] = new JsonArray(v.Curve.Select(p => (JsonNode)new JsonObject
                {
                    ["threshold"] = p.Threshold, ["speedup"] = Math.Round(p.Speedup, 3), ["accuracy"] = Math.Round(p.Accuracy, 4),
                }).ToArray()),
                ["timed"] = new JsonArray(v.Timed.Select(t => (JsonNode)new JsonObject
                {
                    ["threshold"] = t.Threshold, ["flops_speedup"] = Math.Round(t.FlopsSpeedup, 3),
                    ["measured_speedup"] = Math.Round(t.MeasuredSpeedup, 3), ["seconds"] = Math.Round(t.Seconds, 4),
                    ["full_seconds"] = Math.Round(t.FullSeconds, 4),
                }).ToArray()),
            }).ToArray()),
        };
    }
}
