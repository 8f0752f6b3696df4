using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Workbench.Data.Procedural;
using Workbench.TokenDrop;
using Workbench.Viz;

namespace Workbench.Papers.PyramidDrop;

/// <summary>What the PyramidDrop experiment measured: Exp. A's accuracy-vs-keep-ratio curves (one per drop layer) on
/// the baseline model, and Exp. B's PyramidDrop vs single early drop for both models, all on one held-out set.</summary>
public sealed class PyramidDropResult
{
    internal PyramidDropResult(PyramidDropConfig config, SceneQaSet set, IReadOnlyDictionary<int, IReadOnlyList<DropPoint>> curves,
        IReadOnlyList<DropPoint> randomRankCurve, ModelComparison baseline, ModelComparison trained, int patchSize)
    {
        RandomRankCurve = randomRankCurve;
        PatchSize = patchSize;
        Config = config;
        Set = set;
        Curves = curves;
        Baseline = baseline;
        Trained = trained;
    }

    /// <summary>Patch side in pixels of the models' image tokens.</summary>
    public int PatchSize { get; }

    /// <summary>The sizes used.</summary>
    public PyramidDropConfig Config { get; }

    /// <summary>The held-out scenes and questions.</summary>
    public SceneQaSet Set { get; }

    /// <summary>Exp. A: per drop layer, one point per keep ratio of the config (baseline model).</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<DropPoint>> Curves { get; }

    /// <summary>Exp. A's control: the drop before <see cref="PyramidDropConfig.ControlLayer"/> with the image tokens ranked at random instead
    /// of by the last token's attention, one point per keep ratio.</summary>
    public IReadOnlyList<DropPoint> RandomRankCurve { get; }

    /// <summary>Exp. B on the model trained without drops (PyramidDrop applied training-free).</summary>
    public ModelComparison Baseline { get; }

    /// <summary>Exp. B on the model trained with PyramidDrop.</summary>
    public ModelComparison Trained { get; }

    static string F(double x, string format = "0.0") => x.ToString(format, CultureInfo.InvariantCulture);
    static string Pt(double x) => F(x * 100);

    /// <summary>Accuracy lost at a point relative to the baseline's full model, in points.</summary>
    double Loss(DropPoint p) => (Baseline.Full.Accuracy - p.Accuracy) * 100;

    DropPoint CurvePoint(int layer, double keep) => Curves[layer].Zip(Config.KeepRatios).First(z => Math.Abs(z.Second - keep) < 1e-9).First;

    /// <summary>The spec's three criteria, each with its measured value. PyramidDrop's criteria must hold both
    /// training-free (baseline model) and for the model trained with it.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        var layers = Config.DropLayers.Order().ToArray();
        var losses = layers.Select(l => Loss(CurvePoint(l, Config.CriterionKeep))).ToArray();
        bool ordered = losses.Zip(losses.Skip(1)).All(p => p.First >= p.Second);
        double deepest = losses[^1];
        var comparisons = new[] { Baseline, Trained };
        string Setting(ModelComparison m) => m == Baseline ? "training-free" : "trained with PyramidDrop";
        double full = Baseline.Full.Accuracy;
        return new[]
        {
            new Criterion("in A, accuracy loss at keep ratio 0.25 is ordered by depth (layer 1 worst, layer 6 best), and the drop at layer 6 loses <= 2 points",
                $"loss at keep {F(Config.CriterionKeep, "0.##")}: " + string.Join(", ", layers.Zip(losses, (l, x) => $"layer {l} {F(x, "+0.0;-0.0;0.0")} pt"))
                + $" (full model {Pt(full)}%)",
                ordered && deepest <= 2),
            new Criterion("PyramidDrop keeps >= 98% of baseline accuracy at <= 55% of the baseline's image-token FLOPs",
                string.Join("; ", comparisons.Select(m => $"{Setting(m)}: {Pt(m.Pyramid.Accuracy)}% = {F(m.Pyramid.Accuracy / full * 100)}% of {Pt(full)}% at {Pt(m.Pyramid.ImageFlopsShare)}% of the image-token FLOPs")),
                comparisons.All(m => m.Pyramid.Accuracy >= 0.98 * full && m.Pyramid.ImageFlopsShare <= 0.55)),
            new Criterion("PyramidDrop beats the single early drop at equal FLOPs",
                string.Join("; ", comparisons.Select(m => $"{Setting(m)}: PyramidDrop {Pt(m.Pyramid.Accuracy)}% at {Pt(m.Pyramid.ImageFlopsShare)}% vs drop at layer {Config.EarlyLayer} keeping {F(m.EarlyAtEqualFlops.Schedule.Stages[0].Keep * 100, "0")}% {Pt(m.EarlyAtEqualFlops.Accuracy)}% at {Pt(m.EarlyAtEqualFlops.ImageFlopsShare)}%")),
                comparisons.All(m => m.Pyramid.Accuracy > m.EarlyAtEqualFlops.Accuracy && m.EarlyAtEqualFlops.ImageFlopsShare >= m.Pyramid.ImageFlopsShare)),
        };
    }

    /// <summary>Exp. A, the paper's Fig. 1: accuracy against the share of image tokens a single drop keeps, one curve per
    /// drop layer (baseline model).</summary>
    public Figure KeepRatioFigure()
    {
        var f = new Figure($"Exp. A: a single drop of image tokens before layer l ({Config.Questions} held-out questions, baseline model)");
        foreach (var l in Config.DropLayers.Order())
            f.Line(Config.KeepRatios, Curves[l].Select(p => p.Accuracy * 100), $"drop before layer {l}", markers: true);
        f.Line(Config.KeepRatios, RandomRankCurve.Select(p => p.Accuracy * 100), $"drop before layer {Config.ControlLayer}, random rank (control)",
            Figure.Palette[Config.DropLayers.Length], markers: true, dash: "dot");
        return f.HLine(Baseline.Full.Accuracy * 100, label: "no drop").XAxis("share of image tokens kept", min: -0.03, max: 1.03).YAxis("accuracy (%)");
    }

    /// <summary>Exp. B: accuracy against the share of image-token FLOPs, PyramidDrop (lambda swept) vs the single early
    /// drop (keep ratio swept), training-free and with the PyramidDrop-trained model.</summary>
    public Figure FlopsFigure()
    {
        var f = new Figure($"Exp. B: accuracy vs image-token FLOPs (PyramidDrop λ swept, drop before layer {Config.EarlyLayer} swept)");
        foreach (var (m, dash, colour) in new[] { (Baseline, "solid", 0), (Trained, "dot", 2) })
        {
            var early = m.EarlySweep.OrderBy(p => p.ImageFlopsShare).ToArray();
            f.Line(early.Select(p => p.ImageFlopsShare * 100), early.Select(p => p.Accuracy * 100), $"single drop at layer {Config.EarlyLayer}, {m.Model}",
                Figure.Palette[colour], markers: true, dash: dash);
            var pyr = m.PyramidSweep.OrderBy(p => p.ImageFlopsShare).ToArray();
            f.Line(pyr.Select(p => p.ImageFlopsShare * 100), pyr.Select(p => p.Accuracy * 100), $"PyramidDrop, {m.Model}",
                Figure.Palette[colour + 1], markers: true, dash: dash);
        }
        f.Scatter(new[] { Baseline.Pyramid.ImageFlopsShare * 100, Trained.Pyramid.ImageFlopsShare * 100 },
            new[] { Baseline.Pyramid.Accuracy * 100, Trained.Pyramid.Accuracy * 100 }, $"PyramidDrop λ = {F(Config.Lambda, "0.##")}", "#000");
        return f.HLine(Baseline.Full.Accuracy * 100, label: "baseline, no drop").VLine(55, label: "55%")
            .XAxis("image-token FLOPs (% of the full model's)", min: 0, max: 102).YAxis("accuracy (%)");
    }

    /// <summary>Accuracy per question kind: the full model, PyramidDrop and the equal-FLOPs early drop, for both models.</summary>
    public DataFrame Table()
    {
        var kinds = Set.Asked.Select(q => q.Kind).Distinct().Order().ToArray();
        var rows = new List<(string Model, string Schedule, DropPoint Point)>();
        foreach (var m in new[] { Baseline, Trained })
            foreach (var p in new[] { m.Full, m.Pyramid, m.EarlyAtEqualFlops }) rows.Add((m.Model, p.Schedule.Name, p));
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("model", rows.Select(r => r.Model)),
            new StringDataFrameColumn("schedule", rows.Select(r => r.Schedule)),
            new DoubleDataFrameColumn("image FLOPs %", rows.Select(r => Math.Round(r.Point.ImageFlopsShare * 100, 1))),
            new DoubleDataFrameColumn("accuracy %", rows.Select(r => Math.Round(r.Point.Accuracy * 100, 1))),
        };
        foreach (var k in kinds)
            columns.Add(new DoubleDataFrameColumn($"{k} %", rows.Select(r => Math.Round(KindAccuracy(r.Point, k) * 100, 1))));
        return new DataFrame(columns);
    }

    double KindAccuracy(DropPoint p, QuestionKind kind)
    {
        var idx = Enumerable.Range(0, Set.Count).Where(i => Set.Asked[i].Kind == kind).ToArray();
        return idx.Length == 0 ? double.NaN : idx.Average(i => p.Correct[i] ? 1.0 : 0.0);
    }

    /// <summary>The "dropped image tokens" view for one held-out sample: the scene with its patch grid, patches dropped
    /// by that layer dimmed, PyramidDrop beside the equal-FLOPs early drop, with a slider over the layers.</summary>
    public Figure DroppedTokensView(int sample = 0, bool trainedModel = false)
    {
        var m = trainedModel ? Trained : Baseline;
        return DropViews.Slider(Set.Scenes[sample], Set.Asked[sample], sample, Training.VlmScenePreset.Questions.Tokenizer.Words, m.Model,
            new[] { m.Pyramid, m.EarlyAtEqualFlops }, PatchSize);
    }

    /// <summary>Indices of held-out samples the full baseline answers right but the equal-FLOPs early drop gets wrong
    /// (where the two schedules differ most visibly), then the rest.</summary>
    public IEnumerable<int> InterestingSamples() => Enumerable.Range(0, Set.Count)
        .OrderByDescending(i => Baseline.Full.Correct[i] && Baseline.Pyramid.Correct[i] && !Baseline.EarlyAtEqualFlops.Correct[i]);

    /// <summary>The figure's numbers, for JSON.</summary>
    public JsonObject Numbers()
    {
        JsonObject Point(DropPoint p) => new()
        {
            ["schedule"] = p.Schedule.Name,
            ["accuracy"] = Math.Round(p.Accuracy, 4),
            ["image_flops_share"] = Math.Round(p.ImageFlopsShare, 4),
            ["tokens_per_layer"] = new JsonArray(p.Answers.TokensPerLayer.Select(t => (JsonNode)t).ToArray()),
        };
        JsonObject Model(ModelComparison m) => new()
        {
            ["full"] = Point(m.Full),
            ["pyramiddrop"] = Point(m.Pyramid),
            ["early_drop_at_equal_flops"] = Point(m.EarlyAtEqualFlops),
            ["pyramiddrop_sweep"] = new JsonArray(m.PyramidSweep.Select(p => (JsonNode)Point(p)).ToArray()),
            ["early_drop_sweep"] = new JsonArray(m.EarlySweep.Select(p => (JsonNode)Point(p)).ToArray()),
        };
        return new JsonObject
        {
            ["questions"] = Config.Questions,
            ["keep_ratios"] = new JsonArray(Config.KeepRatios.Select(k => (JsonNode)k).ToArray()),
            ["exp_a_accuracy_by_drop_layer"] = new JsonObject(Config.DropLayers.Order().Select(l => KeyValuePair.Create(
                $"layer_{l}", (JsonNode?)new JsonArray(Curves[l].Select(p => (JsonNode)Math.Round(p.Accuracy, 4)).ToArray())))),
            [$"exp_a_random_rank_layer_{Config.ControlLayer}"] = new JsonArray(RandomRankCurve.Select(p => (JsonNode)Math.Round(p.Accuracy, 4)).ToArray()),
            ["baseline"] = Model(Baseline),
            ["trained_with_pyramiddrop"] = Model(Trained),
        };
    }
}
