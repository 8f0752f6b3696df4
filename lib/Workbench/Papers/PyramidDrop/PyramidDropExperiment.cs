using Workbench.Data.Procedural;
using Workbench.Models.Vision;
using Workbench.Progress;
using Workbench.TokenDrop;
using Workbench.Training;

namespace Workbench.Papers.PyramidDrop;

/// <summary>Sizes of the PyramidDrop experiment on the toy VLM.</summary>
/// <param name="Questions">Held-out (scene, question) pairs every accuracy is measured on.</param>
/// <param name="DropLayers">Exp. A: the layers a single drop happens before (the paper's Fig. 1 uses 2, 8, 16, 24 of 32).</param>
/// <param name="KeepRatios">Exp. A: shares of the image tokens a single drop keeps (1 = the full model).</param>
/// <param name="Lambdas">Exp. B: PyramidDrop's keep factors swept for the accuracy-vs-FLOPs curve.</param>
/// <param name="Stages">PyramidDrop's stages (4 over 8 layers: drops before layers 2, 4, 6).</param>
/// <param name="Lambda">PyramidDrop's keep factor for the criteria (the paper's 0.5).</param>
/// <param name="EarlyLayer">The single early drop PyramidDrop is compared with (FastV drops before layer 2).</param>
/// <param name="CriterionKeep">The keep ratio at which Exp. A's losses are ordered by depth.</param>
/// <param name="Seed">Seed of the evaluation scenes (neither the training scenes nor the checkpoints' card scenes).</param>
public sealed record PyramidDropConfig(int Questions, int[] DropLayers, double[] KeepRatios, double[] Lambdas,
    int Stages = 4, double Lambda = 0.5, int EarlyLayer = 2, double CriterionKeep = 0.25, long Seed = 20_241_022)
{
    /// <summary>Full: 2,000 questions, keep ratios 1 to 0, five lambdas. Quick: 240 questions, three keep ratios, one lambda.</summary>
    public static PyramidDropConfig For(bool quick) => quick
        ? new(Questions: 240, DropLayers: new[] { 1, 2, 4, 6 }, KeepRatios: new[] { 1, 0.5, 0.25, 0.125 }, Lambdas: new[] { 0.5 })
        : new(Questions: 2000, DropLayers: new[] { 1, 2, 4, 6 }, KeepRatios: new[] { 1, 0.75, 0.5, 0.25, 0.125, 0.0625, 0 },
            Lambdas: new[] { 0.3, 0.4, 0.5, 0.6, 0.7 });

    /// <summary>Exp. A's random-rank control runs at the deepest drop layer, where the paper expects the least need for
    /// image tokens (so a bad rank shows most plainly).</summary>
    public int ControlLayer => DropLayers.Max();

    /// <summary>The PyramidDrop schedule of the criteria, for a model of <paramref name="layers"/> layers.</summary>
    public DropSchedule Pyramid(int layers) => DropSchedule.Pyramid(layers, Stages, Lambda);
}

/// <summary>One model's answers under one drop schedule.</summary>
/// <param name="Model">Which checkpoint answered.</param>
/// <param name="Accuracy">Share of answers right.</param>
/// <param name="ImageFlopsShare">Share of the image tokens' decoder FLOPs still spent (1 = no drop).</param>
public sealed record DropPoint(string Model, DropSchedule Schedule, VlmAnswers Answers, double Accuracy, double ImageFlopsShare, bool[] Correct);

/// <summary>Exp. B for one checkpoint: the full model, PyramidDrop, the single early drop at equal image-token FLOPs,
/// and the sweeps behind the accuracy-vs-FLOPs figure.</summary>
/// <param name="Full">No drop.</param>
/// <param name="Pyramid">PyramidDrop at the configured lambda.</param>
/// <param name="EarlyAtEqualFlops">The single early drop keeping the fewest tokens whose FLOPs are at least PyramidDrop's.</param>
/// <param name="PyramidSweep">PyramidDrop at every lambda of the config.</param>
/// <param name="EarlySweep">The single early drop at every keep ratio of the config.</param>
public sealed record ModelComparison(string Model, DropPoint Full, DropPoint Pyramid, DropPoint EarlyAtEqualFlops,
    IReadOnlyList<DropPoint> PyramidSweep, IReadOnlyList<DropPoint> EarlySweep);

/// <summary>The experiment: the shipped baseline VLM (trained without drops) and the one trained with PyramidDrop,
/// answering the same held-out questions under single drops (Exp. A) and PyramidDrop vs a single early drop (Exp. B).</summary>
public static class PyramidDropExperiment
{
    /// <summary>Baseline model's label.</summary>
    public const string Baseline = "baseline (trained without drops)";

    /// <summary>PyramidDrop-trained model's label.</summary>
    public const string Trained = "trained with PyramidDrop";

    /// <summary>Loads both shipped checkpoints and runs everything.</summary>
    public static PyramidDropResult Run(PyramidDropConfig config) =>
        Run(config, VlmScenePreset.Load(VlmScenesPreset.PresetName), VlmScenePreset.Load(VlmScenesPyramidDropPreset.PresetName));

    /// <summary>Runs Exp. A on <paramref name="baseline"/> and Exp. B on both models.</summary>
    public static PyramidDropResult Run(PyramidDropConfig config, ToyVlm baseline, ToyVlm trained)
    {
        var questions = VlmScenePreset.Questions;
        var set = questions.Sample(config.Questions, config.Seed);
        var answers = set.AnswerIds;
        int layers = baseline.Config.Decoder.Layers;
        int partial = config.KeepRatios.Count(k => k < 1), otherLambdas = config.Lambdas.Count(l => l != config.Lambda);
        int sweeps = 1 + (config.DropLayers.Length + 1) * partial + (2 + otherLambdas + (config.DropLayers.Contains(config.EarlyLayer) ? 0 : partial))
            + (3 + otherLambdas + partial);
        using var progress = ProgressTask.Start("PyramidDrop: schedules evaluated", sweeps);
        DropPoint Eval(string label, ToyVlm model, DropSchedule schedule)
        {
            var a = model.Answer(set.Images, set.Questions, schedule);
            progress.Advance(detail: $"{label}: {schedule.Name}");
            return new DropPoint(label, schedule, a, a.Accuracy(answers), a.ImageFlopsShare, a.Correct(answers));
        }

        var full = Eval(Baseline, baseline, DropSchedule.None);
        var curves = config.DropLayers.ToDictionary(l => l, l => (IReadOnlyList<DropPoint>)config.KeepRatios
            .Select(k => k >= 1 ? full : Eval(Baseline, baseline, DropSchedule.Single(l, k))).ToArray());
        // The control for the deepest drop: the same keep ratios, tokens ranked at random instead of by attention.
        DropSchedule RandomRank(DropSchedule s) => s with { Name = s.Name + ", random rank", Scoring = TokenScoring.Random };
        var randomRank = config.KeepRatios.Select(k => k >= 1 ? full : Eval(Baseline, baseline, RandomRank(DropSchedule.Single(config.ControlLayer, k)))).ToArray();

        ModelComparison Compare(string label, ToyVlm model, DropPoint? knownFull)
        {
            var f = knownFull ?? Eval(label, model, DropSchedule.None);
            var pyramid = Eval(label, model, config.Pyramid(layers));
            var early = Eval(label, model, EqualFlopsEarlyDrop(model, set, config.EarlyLayer, pyramid.ImageFlopsShare));
            var pyramidSweep = config.Lambdas.Select(l => l == config.Lambda ? pyramid : Eval(label, model, DropSchedule.Pyramid(layers, config.Stages, l))).ToArray();
            var earlySweep = config.KeepRatios.Select(k => k >= 1 ? f
                : label == Baseline && curves.TryGetValue(config.EarlyLayer, out var c) ? c[Array.IndexOf(config.KeepRatios, k)]
                : Eval(label, model, DropSchedule.Single(config.EarlyLayer, k))).ToArray();
            return new ModelComparison(label, f, pyramid, early, pyramidSweep, earlySweep);
        }
        var b = Compare(Baseline, baseline, full);
        var t = Compare(Trained, trained, null);
        return new PyramidDropResult(config, set, curves, randomRank, b, t, baseline.Config.PatchSize);
    }

    /// <summary>The single drop before <paramref name="layer"/> that keeps the fewest image tokens while spending at
    /// least <paramref name="share"/> of the image-token FLOPs (so the comparison never favours PyramidDrop).</summary>
    public static DropSchedule EqualFlopsEarlyDrop(ToyVlm model, SceneQaSet set, int layer, double share)
    {
        int patches = model.Config.Patches;
        using var one = set.Images.narrow(0, 0, 1);
        using var q = set.Questions.narrow(0, 0, 1);
        for (int k = 0; k <= patches; k++)
        {
            var schedule = DropSchedule.Single(layer, (double)k / patches);
            using var _ = TorchSharp.torch.no_grad();
            var r = model.Run(one, q, schedule);
            r.Logits.Dispose();
            if (r.DroppableFlopsShare >= share - 1e-12) return schedule;
        }
        return DropSchedule.None;
    }
}
