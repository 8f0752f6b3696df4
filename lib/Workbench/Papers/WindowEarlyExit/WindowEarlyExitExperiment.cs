using System.Globalization;
using System.Text.Json.Nodes;
using Workbench.Data;
using Workbench.Data.Procedural;
using Workbench.EarlyExit;
using Workbench.Models.Vision;
using Workbench.Progress;
using Workbench.Training;
using Workbench.Viz;

namespace Workbench.Papers.WindowEarlyExit;

/// <summary>Sizes of the window-cascade experiment on Fashion-MNIST.</summary>
/// <param name="Widths">Width multipliers of the member family (hidden units = 32 x width).</param>
/// <param name="TrainCount">Training images (the first of the 60,000; the last 5,000 are never trained on).</param>
/// <param name="ValidationCount">Validation images (from the end of the training split): thresholds and windows.</param>
/// <param name="TestCount">Test images (of the 10,000) on which every number is measured.</param>
/// <param name="Epochs">Training epochs per member.</param>
/// <param name="Risk">Operating risk of selective classification (coverage at this risk).</param>
/// <param name="WindowHalfWidth">Half-width of the window in percentiles around the threshold's percentile.</param>
/// <param name="LowConfidenceShare">The baseline cascade passes this least-confident share on.</param>
public sealed record WindowCascadeConfig(int[] Widths, int TrainCount = 55_000, int ValidationCount = 5_000, int TestCount = 10_000,
    int Epochs = 20, double Risk = 0.05, double WindowHalfWidth = 0.1, double LowConfidenceShare = 0.2)
{
    /// <summary>Out-of-distribution images mixed into the test set (half as many as test images).</summary>
    public int OodCount => TestCount / 2;

    /// <summary>Full: widths x1, x2, x4, x8 on the whole dataset. Quick: x1, x2 on a tenth, two epochs.</summary>
    public static WindowCascadeConfig For(bool quick) => quick
        ? new WindowCascadeConfig(new[] { 1, 2 }, TrainCount: 6_000, ValidationCount: 2_000, TestCount: 2_000, Epochs: 2)
        : new WindowCascadeConfig(new[] { 1, 2, 4, 8 });
}

/// <summary>Both members, their ensemble and the two cascades (member 0 first) on one evaluation set.</summary>
public sealed record CascadeSet(CascadeOutputs[] Singles, CascadeOutputs Ensemble, CascadeOutputs Window, CascadeOutputs LowConfidence)
{
    /// <summary>Builds the set from member outputs on the same samples, with the window and low-confidence cut from validation.</summary>
    public static CascadeSet Of(int width, MemberOutputs[] members, (double Low, double High) window, double lowBelow) => new(
        members.Select(Cascade.Single).ToArray(),
        Cascade.Ensemble($"ensemble x{width}", members),
        Cascade.WindowCascade($"window cascade x{width}", members[0], members[1], window),
        Cascade.LowConfidenceCascade($"low-confidence cascade x{width}", members[0], members[1], lowBelow));
}

/// <summary>Everything measured at one width: on the test split, and on the test split mixed with out-of-distribution
/// images (procedural shapes, which no Fashion-MNIST class fits: every answer to them counts as wrong).</summary>
public sealed record WidthResult(int Width, CascadeSet Test, CascadeSet WithOod, (double Low, double High) WindowBounds, double MemberMacs)
{
    /// <summary>Test-split singles.</summary>
    public CascadeOutputs[] Singles => Test.Singles;

    /// <summary>Test-split ensemble.</summary>
    public CascadeOutputs Ensemble => Test.Ensemble;

    /// <summary>Test-split window cascade.</summary>
    public CascadeOutputs Window => Test.Window;

    /// <summary>Test-split low-confidence cascade.</summary>
    public CascadeOutputs LowConfidence => Test.LowConfidence;
}

/// <summary>The experiment (Xia &amp; Bouganis, window-based early-exit cascades): two seeds of each width, cascades of
/// seed 0 then seed 1, measured on the test split with thresholds picked on validation data.</summary>
public sealed class WindowCascadeResult
{
    WindowCascadeResult(WindowCascadeConfig config, IReadOnlyList<WidthResult> widths, int[] testLabels)
    {
        Config = config;
        Widths = widths;
        TestLabels = testLabels;
        MixedLabels = testLabels.Concat(Enumerable.Repeat(-1, config.OodCount)).ToArray();
    }

    /// <summary>Labels of the test split followed by the out-of-distribution images (-1: no class is right).</summary>
    public int[] MixedLabels { get; }

    /// <summary>Coverage at the operating risk on the test split mixed with out-of-distribution images.</summary>
    public double CoverageWithOod(CascadeOutputs o) => o.CoverageAtRisk(MixedLabels, Config.Risk);

    /// <summary>The sizes used.</summary>
    public WindowCascadeConfig Config { get; }

    /// <summary>Per width, in increasing order.</summary>
    public IReadOnlyList<WidthResult> Widths { get; }

    /// <summary>True labels of the test samples.</summary>
    public int[] TestLabels { get; }

    /// <summary>Coverage at the operating risk of any output.</summary>
    public double Coverage(CascadeOutputs o) => o.CoverageAtRisk(TestLabels, Config.Risk);

    /// <summary>Trains (or loads from the model cache) every member and measures everything.</summary>
    public static WindowCascadeResult Run(WindowCascadeConfig config)
    {
        var train = FashionMnist.Train();
        var test = FashionMnist.Test();
        if (config.TrainCount + config.ValidationCount > train.Count)
            throw new ArgumentException($"{config.TrainCount} training + {config.ValidationCount} validation images exceed the {train.Count} available");
        var (xTrain, yTrain) = MlpClassifier.Tensors(train, 0, config.TrainCount);
        var (xVal, yVal) = MlpClassifier.Tensors(train, train.Count - config.ValidationCount, config.ValidationCount);
        var (xTest, yTest) = MlpClassifier.Tensors(test, 0, Math.Min(config.TestCount, test.Count));
        var (xOod, _) = MlpClassifier.Tensors(ProceduralImages.Classification(config.OodCount, seed: 77));
        var valLabels = yVal.data<long>().Select(l => (int)l).ToArray();
        var testLabels = yTest.data<long>().Select(l => (int)l).ToArray();
        int inputs = train.Rows * train.Cols;

        var widths = new List<WidthResult>();
        using var progress = ProgressTask.Start("window cascade widths", config.Widths.Length);
        foreach (var w in config.Widths)
        {
            var val = new MemberOutputs[2];
            var tst = new MemberOutputs[2];
            var mixed = new MemberOutputs[2];
            for (int seed = 0; seed < 2; seed++)
            {
                using var model = new MlpClassifier(inputs, 10, w);
                var recipe = new { w, seed, config.TrainCount, config.Epochs, batch = 128, lr = 2e-3 };
                ModelCache.LoadOrTrain(model, $"fmnist-mlp-x{w}-s{seed}", recipe,
                    () => ClassifierTraining.Train(model, xTrain, yTrain, config.Epochs, seed: 100 * w + seed, label: $"MLP x{w} seed {seed}"));
                val[seed] = new MemberOutputs($"x{w} seed {seed}", model.Probabilities(xVal), model.Macs);
                tst[seed] = new MemberOutputs($"x{w} seed {seed}", model.Probabilities(xTest), model.Macs);
                mixed[seed] = tst[seed] with { Probs = tst[seed].Probs.Concat(model.Probabilities(xOod)).ToArray() };
            }
            var window = Cascade.Window(val[0], valLabels, config.Risk, config.WindowHalfWidth);
            double lowBelow = Selective.Quantile(val[0].Confidence, config.LowConfidenceShare);
            widths.Add(new WidthResult(w, CascadeSet.Of(w, tst, window, lowBelow), CascadeSet.Of(w, mixed, window, lowBelow), window, tst[0].Macs));
            progress.Advance();
        }
        foreach (var t in new[] { xTrain, yTrain, xVal, yVal, xTest, yTest, xOod }) t.Dispose();
        return new WindowCascadeResult(config, widths, testLabels);
    }

    static string F(double x, string format = "0.0") => x.ToString(format, CultureInfo.InvariantCulture);
    static string Pt(double x) => F(x * 100);

    double SingleCoverage(WidthResult w) => w.Singles.Average(Coverage);

    /// <summary>The spec's criteria, checked at every width (the second needs a next-wider model).</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        var c1 = Widths.Select(w => (w, gap: Coverage(w.Ensemble) - Coverage(w.Window), macs: w.Window.AverageMacs / w.MemberMacs)).ToList();
        var c2 = Widths.Zip(Widths.Skip(1)).Select(p => (p.First, next: p.Second, cov: Coverage(p.First.Window), nextCov: SingleCoverage(p.Second))).ToList();
        var c3 = Widths.Select(w => (w, window: Coverage(w.Window), low: Coverage(w.LowConfidence))).ToList();
        string risk = $"{F(Config.Risk * 100, "0")}% risk";
        return new[]
        {
            new Criterion("the window cascade is within 0.5 points (coverage@5% risk) of the full 2-model ensemble at <= 1.3x the MACs of one member",
                string.Join("; ", c1.Select(c => $"x{c.w.Width}: {Pt(Coverage(c.w.Window))}% vs {Pt(Coverage(c.w.Ensemble))}% at {F(c.macs, "0.00")}x")) + $" (coverage at {risk})",
                c1.All(c => c.gap <= 0.005 && c.macs <= 1.3)),
            new Criterion("it beats the next-wider single model at equal or lower MACs",
                c2.Count == 0 ? "only one width: nothing to compare" :
                string.Join("; ", c2.Select(c => $"x{c.First.Width} cascade {Pt(c.cov)}% at {F(c.First.Window.AverageMacs / 1000, "0")}k MACs vs x{c.next.Width} single {Pt(c.nextCov)}% at {F(c.next.MemberMacs / 1000, "0")}k")),
                c2.Count > 0 && c2.All(c => c.cov > c.nextCov && c.First.Window.AverageMacs <= c.next.MemberMacs)),
            new Criterion("the low-confidence-only cascade does worse than the window cascade at equal MACs",
                string.Join("; ", c3.Select(c => $"x{c.w.Width}: low-confidence {Pt(c.low)}% ({F(c.w.LowConfidence.Passed * 100, "0")}% passed) vs window {Pt(c.window)}% ({F(c.w.Window.Passed * 100, "0")}% passed)")),
                c3.All(c => c.low < c.window && c.w.LowConfidence.AverageMacs >= c.w.Window.AverageMacs * 0.97)),
        };
    }

    /// <summary>The paper's Fig. 1: coverage at the operating risk against average MACs per sample, on the test split
    /// or (<paramref name="withOod"/>) on the test split mixed with out-of-distribution images.</summary>
    public Figure CoverageFigure(bool withOod = false)
    {
        var f = new Figure($"Coverage at {F(Config.Risk * 100, "0")}% risk vs compute (Fashion-MNIST test{(withOod ? $" + {Config.OodCount} procedural OOD images" : "")}, MLP family)");
        Func<CascadeOutputs, double> cov = withOod ? CoverageWithOod : Coverage;
        Func<WidthResult, CascadeSet> set = withOod ? w => w.WithOod : w => w.Test;
        double[] X(Func<CascadeSet, CascadeOutputs> pick) => Widths.Select(w => pick(set(w)).AverageMacs).ToArray();
        double[] Y(Func<CascadeSet, CascadeOutputs> pick) => Widths.Select(w => cov(pick(set(w))) * 100).ToArray();
        f.Line(Widths.Select(w => w.MemberMacs), Widths.Select(w => set(w).Singles.Average(cov) * 100), "single model (mean of 2 seeds)", markers: true);
        f.Line(X(w => w.Ensemble), Y(w => w.Ensemble), "2-model ensemble", markers: true);
        f.Line(X(w => w.Window), Y(w => w.Window), "window cascade", markers: true);
        f.Line(X(w => w.LowConfidence), Y(w => w.LowConfidence), $"low-confidence cascade ({F(Config.LowConfidenceShare * 100, "0")}%)", markers: true, dash: "dot");
        return f.XAxis("MACs per sample", log: true).YAxis("coverage (%)");
    }

    /// <summary>Risk-coverage curves at one width.</summary>
    public Figure RiskCoverageFigure(int? width = null)
    {
        var w = Widths.FirstOrDefault(x => x.Width == (width ?? Widths[Math.Min(1, Widths.Count - 1)].Width))
            ?? throw new ArgumentException($"width x{width} was not run");
        var f = new Figure($"Risk-coverage, width x{w.Width}");
        foreach (var o in new[] { w.Singles[0], w.Ensemble, w.Window, w.LowConfidence })
        {
            var curve = o.Curve(TestLabels);
            var step = Math.Max(1, curve.Count / 400); // enough points for the eye, a small page
            var pts = curve.Where((_, i) => i % step == 0 || i == curve.Count - 1).ToList();
            f.Line(pts.Select(p => p.Coverage * 100), pts.Select(p => p.Risk * 100), o.Name);
        }
        return f.HLine(Config.Risk * 100, label: "operating risk").XAxis("coverage (%)").YAxis("risk (% wrong among accepted)", min: 0, max: 15);
    }

    /// <summary>Per width on the test split: member MACs, coverage at the operating risk of each kind, and the share
    /// of images the window cascade passed on.</summary>
    public Microsoft.Data.Analysis.DataFrame Table() => new(
        new Microsoft.Data.Analysis.StringDataFrameColumn("width", Widths.Select(w => $"x{w.Width}")),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("member kMACs", Widths.Select(w => w.MemberMacs / 1000)),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("single cov.", Widths.Select(SingleCoverage)),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("ensemble cov.", Widths.Select(w => Coverage(w.Ensemble))),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("window cov.", Widths.Select(w => Coverage(w.Window))),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("window passed", Widths.Select(w => w.Window.Passed)),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("low-conf. cov.", Widths.Select(w => Coverage(w.LowConfidence))));

    /// <summary>The figure's numbers, for JSON.</summary>
    public JsonObject Numbers() => new()
    {
        ["risk"] = Config.Risk,
        ["test_images"] = TestLabels.Length,
        ["ood_images"] = Config.OodCount,
        ["widths"] = new JsonArray(Widths.Select(w => (JsonNode)new JsonObject
        {
            ["width"] = w.Width,
            ["member_macs"] = w.MemberMacs,
            ["single_accuracy"] = new JsonArray(w.Singles.Select(s => (JsonNode)Math.Round(s.Accuracy(TestLabels), 4)).ToArray()),
            ["single_coverage"] = new JsonArray(w.Singles.Select(s => (JsonNode)Math.Round(Coverage(s), 4)).ToArray()),
            ["ensemble_coverage"] = Math.Round(Coverage(w.Ensemble), 4),
            ["window_coverage"] = Math.Round(Coverage(w.Window), 4),
            ["window_macs"] = Math.Round(w.Window.AverageMacs),
            ["window_passed"] = Math.Round(w.Window.Passed, 4),
            ["window"] = new JsonArray(Math.Round(w.WindowBounds.Low, 4), Math.Round(w.WindowBounds.High, 4)),
            ["low_confidence_coverage"] = Math.Round(Coverage(w.LowConfidence), 4),
            ["low_confidence_macs"] = Math.Round(w.LowConfidence.AverageMacs),
            ["with_ood"] = new JsonObject
            {
                ["single_coverage"] = new JsonArray(w.WithOod.Singles.Select(s => (JsonNode)Math.Round(CoverageWithOod(s), 4)).ToArray()),
                ["ensemble_coverage"] = Math.Round(CoverageWithOod(w.WithOod.Ensemble), 4),
                ["window_coverage"] = Math.Round(CoverageWithOod(w.WithOod.Window), 4),
                ["window_macs"] = Math.Round(w.WithOod.Window.AverageMacs),
                ["low_confidence_coverage"] = Math.Round(CoverageWithOod(w.WithOod.LowConfidence), 4),
            },
        }).ToArray()),
    };
}
