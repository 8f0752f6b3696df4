using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Workbench.Data.Haystack;
using Workbench.Decoding;
using Workbench.Models.Transformer;
using Workbench.Progress;
using Workbench.TokenDrop;
using Workbench.Viz;

namespace Workbench.Papers.GemFilter;

/// <summary>One heatmap prompt answered three ways.</summary>
/// <param name="Length">Prompt length n.</param>
/// <param name="Depth">Needle depth.</param>
/// <param name="Full">The full model answered right.</param>
/// <param name="Gem">GemFilter (filter at layer r, keep k = n/16, full model on the kept tokens) answered right.</param>
/// <param name="Snap">SnapKV-style eviction to k entries per layer and head answered right.</param>
/// <param name="NeedleKept">GemFilter's selection held every value token of the needle.</param>
public sealed record PromptRun(int Length, double Depth, bool Full, bool Gem, bool Snap, bool NeedleKept);

/// <summary>Prompt-processing cost at one length: FLOPs (modelled) and wall time (median, measured in this run).</summary>
/// <param name="Length">Prompt length n.</param>
/// <param name="Keep">Haystack tokens GemFilter kept.</param>
/// <param name="FullFlops">The full model over the prompt.</param>
/// <param name="GemFlops">GemFilter's first pass (layers 0..r-1 and layer r's scores) plus the full model over the kept tokens.</param>
/// <param name="FullMs">Measured: the full model's prefill and first token.</param>
/// <param name="GemMs">Measured: selection plus the second pass's prefill and first token.</param>
public sealed record CostPoint(int Length, int Keep, double FullFlops, double GemFlops, double FullMs, double GemMs)
{
    /// <summary>GemFilter's FLOPs over the full model's.</summary>
    public double FlopsShare => GemFlops / FullFlops;
}

/// <summary>The GemFilter experiment (Shi et al.) on the haystack LM: where in depth the last query's attention finds
/// the needle, GemFilter's and SnapKV's accuracy against the full model over length and depth, and what GemFilter saves.</summary>
public sealed class GemFilterResult
{
    const long CalibrationSeed = 97, HeatmapSeed = 98;

    GemFilterResult(GemFilterConfig config, TransformerConfig model, bool[][] hits, int[] hitLengths, double[] chance, int layer,
        IReadOnlyList<PromptRun> runs, IReadOnlyList<CostPoint> cost, Haystack example, GemFilterSelection exampleSelection)
    {
        Config = config;
        Model = model;
        Hits = hits;
        HitLengths = hitLengths;
        Chance = chance;
        Layer = layer;
        Runs = runs;
        Cost = cost;
        Example = example;
        ExampleSelection = exampleSelection;
    }

    /// <summary>The sizes used.</summary>
    public GemFilterConfig Config { get; }

    /// <summary>The model's shape.</summary>
    public TransformerConfig Model { get; }

    /// <summary>Hits[layer][prompt]: the top-<c>HitK</c> at that layer held every value token (calibration prompts).</summary>
    public bool[][] Hits { get; }

    /// <summary>Length of each calibration prompt.</summary>
    public int[] HitLengths { get; }

    /// <summary>Per calibration prompt, the chance that HitK random haystack tokens hold the needle's value.</summary>
    public double[] Chance { get; }

    /// <summary>The filter layer r used for GemFilter.</summary>
    public int Layer { get; }

    /// <summary>Every heatmap prompt.</summary>
    public IReadOnlyList<PromptRun> Runs { get; }

    /// <summary>Cost per length.</summary>
    public IReadOnlyList<CostPoint> Cost { get; }

    /// <summary>The haystack shown in the token strip.</summary>
    public Haystack Example { get; }

    /// <summary>GemFilter's selection on it.</summary>
    public GemFilterSelection ExampleSelection { get; }

    /// <summary>Needle hit rate in the top-HitK at each layer (over all calibration prompts).</summary>
    public double[] HitRate => Hits.Select(h => h.Average(b => b ? 1.0 : 0.0)).ToArray();

    /// <summary>Hit rate at each layer over the calibration prompts of length <paramref name="n"/>.</summary>
    public double[] HitRateAt(int n) => Hits.Select(h => h.Where((_, i) => HitLengths[i] == n).Average(b => b ? 1.0 : 0.0)).ToArray();

    /// <summary>Accuracy of one method over all heatmap prompts.</summary>
    public double Accuracy(Func<PromptRun, bool> method) => Runs.Average(r => method(r) ? 1.0 : 0.0);

    /// <summary>Runs everything on <paramref name="model"/> (the shipped lm-haystack in the paper's reproduction).</summary>
    public static GemFilterResult Run(GemFilterConfig config, TransformerLM model)
    {
        long eoa = HaystackVocabulary.Tokenizer.EndOfAnswerId;
        int layers = model.Config.Layers;

        // (a) Per-layer needle hit rate on calibration prompts: this also picks the filter layer.
        var hits = Enumerable.Range(0, layers).Select(_ => new bool[config.CalibrationPrompts]).ToArray();
        var hitLengths = new int[config.CalibrationPrompts];
        var chance = new double[config.CalibrationPrompts];
        using (var progress = ProgressTask.Start("needle hit rate per layer", config.CalibrationPrompts))
            for (int i = 0; i < config.CalibrationPrompts; i++)
            {
                int n = config.Lengths[i % config.Lengths.Length];
                var h = HaystackGenerator.Make(new HaystackOptions(n, (i * 7 % 21) / 20.0, config.Decoys), CalibrationSeed, i);
                var byLayer = TokenDrop.GemFilter.SelectionByLayer(model, h.Prompt, h.Droppable, config.HitK);
                for (int l = 0; l < layers; l++) hits[l][i] = h.NeedleKept(byLayer[l]);
                hitLengths[i] = n;
                chance[i] = Math.Pow((double)config.HitK / h.Droppable.Count(d => d), h.Value.Length);
                progress.Advance();
            }
        var rate = hits.Select(h => h.Average(b => b ? 1.0 : 0.0)).ToArray();
        int layer = config.FilterLayer ?? Enumerable.Range(0, layers).First(l => rate[l] >= rate.Max() - 0.01);

        // (b) The heatmap: every prompt answered by the full model, GemFilter at layer r and SnapKV, same budget k.
        var runs = new List<PromptRun>();
        int cells = config.Lengths.Length * config.Depths.Length;
        using (var progress = ProgressTask.Start($"needle in a haystack (GemFilter at layer {layer})", cells * config.PromptsPerCell))
            foreach (var n in config.Lengths)
                foreach (var (depth, d) in config.Depths.Select((x, i) => (x, i)))
                    for (int i = 0; i < config.PromptsPerCell; i++)
                    {
                        var h = HaystackGenerator.Make(new HaystackOptions(n, depth, config.Decoys), HeatmapSeed, (long)n * 10_000 + d * 1_000 + i);
                        int k = config.KeepAt(n), answer = h.Answer.Length;
                        bool full = h.IsCorrect(Autoregressive.Generate(model, h.Prompt, answer, eos: eoa).Generated);
                        var sel = TokenDrop.GemFilter.Select(model, h.Prompt, h.Droppable, layer, k);
                        bool gem = h.IsCorrect(Autoregressive.Generate(model, sel.SelectedIds, answer, eos: eoa).Generated);
                        bool snap = h.IsCorrect(SnapKv.Generate(model, h.Prompt, k, answer, config.SnapKvWindow, eos: eoa).Generated);
                        runs.Add(new PromptRun(n, depth, full, gem, snap, h.NeedleKept(sel.Selected)));
                        progress.Advance();
                    }

        // (c) Cost: FLOPs from the selection, wall time measured here (median of repeats, after one warm-up).
        var cost = new List<CostPoint>();
        using (var progress = ProgressTask.Start("prompt cost vs length", config.Lengths.Length))
            foreach (var n in config.Lengths)
            {
                var h = HaystackGenerator.Make(new HaystackOptions(n, 0.5, config.Decoys), HeatmapSeed, 7);
                int k = config.KeepAt(n);
                GemFilterSelection? sel = null;
                double fullMs = Median(config.TimingRepeats, () => Autoregressive.Generate(model, h.Prompt, 1));
                double gemMs = Median(config.TimingRepeats, () =>
                {
                    sel = TokenDrop.GemFilter.Select(model, h.Prompt, h.Droppable, layer, k);
                    Autoregressive.Generate(model, sel.SelectedIds, 1);
                });
                cost.Add(new CostPoint(n, k, sel!.FullFlops, sel.FirstPassFlops + sel.SecondPassFlops, fullMs, gemMs));
                progress.Advance();
            }

        // (d) One haystack for the token strip.
        int shown = config.Lengths.Where(n => n <= 256).DefaultIfEmpty(config.Lengths.Min()).Max();
        var example = HaystackGenerator.Make(new HaystackOptions(shown, 0.4, config.Decoys), HeatmapSeed, 1);
        var exampleSelection = TokenDrop.GemFilter.Select(model, example.Prompt, example.Droppable, layer, config.KeepAt(shown));
        return new GemFilterResult(config, model.Config, hits, hitLengths, chance, layer, runs, cost, example, exampleSelection);
    }

    static double Median(int repeats, Action pass)
    {
        pass(); // warm-up: first-call allocations are not the method's cost
        var times = Enumerable.Range(0, Math.Max(1, repeats)).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            pass();
            return clock.Elapsed.TotalMilliseconds;
        }).Order().ToArray();
        return times[times.Length / 2];
    }

    static string F(double x, string format = "0.0") => x.ToString(format, CultureInfo.InvariantCulture);
    static string Pt(double x) => F(x * 100, "0");

    /// <summary>The spec's "Reproduced if" criteria, each with its measured value.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        var rate = HitRate;
        int layers = rate.Length;
        double early = Math.Max(rate[0], layers > 1 ? rate[1] : rate[0]);
        // Intermediate: past layers 0-1 and before the last layer.
        var intermediate = Enumerable.Range(2, Math.Max(0, layers - 3)).ToList();
        int best = intermediate.Count > 0 ? intermediate.OrderByDescending(l => rate[l]).ThenBy(l => l).First() : -1;
        bool c1 = best >= 0 && rate[best] >= 0.95 && rate[best] - early >= 0.20;
        string perLayer = string.Join(", ", rate.Select((r, l) => $"L{l} {Pt(r)}%"));

        double full = Accuracy(r => r.Full), gem = Accuracy(r => r.Gem), snap = Accuracy(r => r.Snap);
        double ratio = Config.Lengths.Max(n => (double)Config.KeepAt(n) / n);

        var at = Cost.OrderBy(c => c.Length).Last();
        bool atFull = at.Length == 1024;
        return new[]
        {
            new Criterion("some intermediate layer r < L finds the needle in its top-16 for >= 95% of prompts while layers 0-1 are clearly lower (>= 20 points)",
                $"top-{Config.HitK} hit rate over {HitLengths.Length} prompts: {perLayer}; best intermediate layer {(best >= 0 ? $"L{best} {Pt(rate[best])}%" : "none")}, layers 0-1 at most {Pt(early)}% (chance {F(Chance.Average() * 100)}%)",
                c1),
            new Criterion("GemFilter answers within 2 points of the full model at k/n <= 1/16",
                $"full {F(full * 100)}%, GemFilter (r = {Layer}) {F(gem * 100)}%, SnapKV {F(snap * 100)}% over {Runs.Count} prompts at k/n = {F(ratio, "0.###")} (needle kept in {F(Runs.Average(r => r.NeedleKept ? 1.0 : 0.0) * 100)}% of GemFilter selections)",
                ratio <= 1.0 / 16 + 1e-9 && gem >= full - 0.02),
            new Criterion("GemFilter's prompt-processing FLOPs at n = 1024 are <= 60% of the full model's, and measured time is lower",
                $"at n = {at.Length}{(atFull ? "" : " (the longest length of this run)")}: {F(at.FlopsShare * 100)}% of the full model's FLOPs, {F(at.GemMs)} ms vs {F(at.FullMs)} ms measured",
                atFull && at.FlopsShare <= 0.60 && at.GemMs < at.FullMs),
        };
    }

    /// <summary>(a) Needle hit rate in the top-k at every layer: the "gems in early layers" figure.</summary>
    public Figure HitRateFigure()
    {
        var f = new Figure($"Needle in the top-{Config.HitK} of the last query's attention, by layer");
        var x = Enumerable.Range(0, HitRate.Length).Select(l => (double)l).ToArray();
        foreach (var n in Config.Lengths) f.Line(x, HitRateAt(n).Select(r => r * 100), $"n = {n}", markers: true, dash: "dot");
        f.Line(x, HitRate.Select(r => r * 100), "all prompts", color: "#111", markers: true);
        f.HLine(Chance.Average() * 100, label: "random selection");
        f.VLine(Layer, label: $"filter layer r = {Layer}");
        return f.XAxis("layer r (its attention ranks the prompt)").YAxis("prompts with the needle's value selected (%)", min: 0, max: 102);
    }

    /// <summary>(b) Accuracy over context length x needle depth for the full model, GemFilter and SnapKV.</summary>
    public Figure AccuracyHeatmaps()
    {
        var lengths = Config.Lengths;
        var depths = Config.Depths;
        Figure Panel(string name, Func<PromptRun, bool> method, bool scale)
        {
            var z = new double[depths.Length, lengths.Length];
            var text = new string[depths.Length, lengths.Length];
            for (int d = 0; d < depths.Length; d++)
                for (int l = 0; l < lengths.Length; l++)
                {
                    var cell = Runs.Where(r => r.Length == lengths[l] && r.Depth == depths[d]).ToList();
                    z[d, l] = cell.Average(r => method(r) ? 1.0 : 0.0) * 100;
                    text[d, l] = $"n = {lengths[l]}, depth {Pt(depths[d])}%: {F(z[d, l], "0")}% of {cell.Count}";
                }
            return new Figure($"{name}: {F(Accuracy(method) * 100)}%")
                .Heatmap(z, lengths.Select(n => n.ToString(CultureInfo.InvariantCulture)), depths.Select(d => $"{Pt(d)}%"),
                    colorscale: "Viridis", zmin: 0, zmax: 100, showScale: scale, hoverText: text)
                .XAxis("context length n").YAxis("needle depth");
        }
        return Figure.Grid(3, $"Needle-in-a-haystack accuracy (k = n/{F(1 / Config.KeepFraction, "0")} kept tokens, {Config.PromptsPerCell} prompts a cell)",
            Panel("full model", r => r.Full, false), Panel($"GemFilter (r = {Layer})", r => r.Gem, false), Panel("SnapKV-style eviction", r => r.Snap, true));
    }

    /// <summary>(c) Prompt-processing FLOPs and measured time against context length.</summary>
    public Figure CostFigure()
    {
        var x = Cost.Select(c => (double)c.Length).ToArray();
        var flops = new Figure("prompt FLOPs")
            .Line(x, Cost.Select(c => c.FullFlops / 1e9), "full model", markers: true)
            .Line(x, Cost.Select(c => c.GemFlops / 1e9), $"GemFilter (r = {Layer}, k = n/{F(1 / Config.KeepFraction, "0")})", markers: true)
            .XAxis("context length n").YAxis("GFLOPs");
        var time = new Figure("measured time (prefill + first token)")
            .Line(x, Cost.Select(c => c.FullMs), "full model", markers: true)
            .Line(x, Cost.Select(c => c.GemMs), "GemFilter", markers: true)
            .XAxis("context length n").YAxis("ms");
        return Figure.Grid(2, "What GemFilter saves on the prompt", flops, time);
    }

    /// <summary>(d) The example haystack with GemFilter's kept tokens highlighted (needle outlined in red, decoys in orange).</summary>
    public TokenStrip SelectionStrip()
    {
        var tokenizer = HaystackVocabulary.Tokenizer;
        var kept = ExampleSelection.Selected.ToHashSet();
        var needle = Enumerable.Range(Example.NeedleStart, Example.NeedleLength).ToHashSet();
        var decoys = Example.DecoyStarts.SelectMany(s => Enumerable.Range(s, 4)).ToHashSet();
        var strip = new TokenStrip($"GemFilter at layer {Layer} keeps {kept.Count} of {Example.Length} tokens (n = {Example.Length}, k = {Config.KeepAt(Example.Length)}; the question and <bos> always stay)");
        for (int i = 0; i < Example.Length; i++)
        {
            bool protectedToken = !Example.Droppable[i];
            string? bg = protectedToken ? "#d0d7de" : kept.Contains(i) ? "#8fd18f" : null;
            string? border = needle.Contains(i) ? "#c00" : decoys.Contains(i) ? "#e69500" : null;
            strip.Add(new TokenChip(tokenizer.TokenText((int)Example.Prompt[i]) + " ", bg,
                $"position {i}: {(protectedToken ? "always kept" : kept.Contains(i) ? "kept" : "dropped")}{(needle.Contains(i) ? " (needle)" : decoys.Contains(i) ? " (decoy)" : "")}",
                Foreground: kept.Contains(i) || protectedToken ? null : "#999", Border: border));
        }
        return strip.Legend("kept by GemFilter", "#8fd18f").Legend("always kept", "#d0d7de").Legend("needle (outline)", "#c00").Legend("decoy needle (outline)", "#e69500");
    }

    /// <summary>The figures' numbers, for JSON.</summary>
    public JsonObject Numbers() => new()
    {
        ["filter_layer"] = Layer,
        ["hit_k"] = Config.HitK,
        ["keep_fraction"] = Config.KeepFraction,
        ["decoys"] = Config.Decoys,
        ["hit_rate_by_layer"] = new JsonArray(HitRate.Select(r => (JsonNode)Math.Round(r, 4)).ToArray()),
        ["hit_rate_by_length"] = new JsonObject(Config.Lengths.Select(n => new KeyValuePair<string, JsonNode?>($"{n}", new JsonArray(HitRateAt(n).Select(r => (JsonNode)Math.Round(r, 4)).ToArray())))),
        ["chance_hit_rate"] = Math.Round(Chance.Average(), 4),
        ["accuracy"] = new JsonObject
        {
            ["full"] = Math.Round(Accuracy(r => r.Full), 4),
            ["gemfilter"] = Math.Round(Accuracy(r => r.Gem), 4),
            ["snapkv"] = Math.Round(Accuracy(r => r.Snap), 4),
            ["gemfilter_needle_kept"] = Math.Round(Runs.Average(r => r.NeedleKept ? 1.0 : 0.0), 4),
        },
        ["accuracy_by_length"] = new JsonArray(Config.Lengths.Select(n =>
        {
            var at = Runs.Where(r => r.Length == n).ToList();
            return (JsonNode)new JsonObject
            {
                ["n"] = n, ["k"] = Config.KeepAt(n),
                ["full"] = Math.Round(at.Average(r => r.Full ? 1.0 : 0.0), 4),
                ["gemfilter"] = Math.Round(at.Average(r => r.Gem ? 1.0 : 0.0), 4),
                ["snapkv"] = Math.Round(at.Average(r => r.Snap ? 1.0 : 0.0), 4),
            };
        }).ToArray()),
        ["cost"] = new JsonArray(Cost.Select(c => (JsonNode)new JsonObject
        {
            ["n"] = c.Length, ["k"] = c.Keep, ["full_gflops"] = Math.Round(c.FullFlops / 1e9, 4), ["gemfilter_gflops"] = Math.Round(c.GemFlops / 1e9, 4),
            ["flops_share"] = Math.Round(c.FlopsShare, 4), ["full_ms"] = Math.Round(c.FullMs, 1), ["gemfilter_ms"] = Math.Round(c.GemMs, 1),
        }).ToArray()),
    };
}
