using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Analysis;
using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Models.Transformer;
using Workbench.Viz;

namespace Workbench.Papers.Kangaroo;

/// <summary>Everything a Kangaroo run measured, its criteria, figures and numbers.</summary>
public sealed class KangarooResult
{
    /// <summary>Collects the run's results.</summary>
    public KangarooResult(KangarooConfig config, TransformerLM target, IReadOnlyList<AdapterResult> adapters, IReadOnlyList<SettingResult> settings,
        IReadOnlyList<GenerationResult> autoregressive, TimeSpan adapterTime, TimeSpan wall)
    {
        Config = config;
        TargetModel = target;
        Target = target.Config;
        Adapters = adapters;
        Settings = settings;
        Autoregressive = autoregressive;
        AdapterTime = adapterTime;
        Wall = wall;
        // Like the paper's ablation over the depth of the shallow sub-network, l and η are picked for speed: the
        // attention-adapter setting with the best modelled speedup (not the noisier measured one).
        Operating = settings.Where(s => s.Setting.Kind == AdapterKind.Attention).OrderByDescending(s => s.Modelled).First();
    }

    /// <summary>The sizes used.</summary>
    public KangarooConfig Config { get; }

    /// <summary>The target (frozen; the adapters were trained on its states).</summary>
    public TransformerLM TargetModel { get; }

    /// <summary>The target's shape.</summary>
    public TransformerConfig Target { get; }

    /// <summary>Every adapter, with its held-out soft cross-entropy.</summary>
    public IReadOnlyList<AdapterResult> Adapters { get; }

    /// <summary>Every decoding setting.</summary>
    public IReadOnlyList<SettingResult> Settings { get; }

    /// <summary>The autoregressive baseline (fastest run per prompt).</summary>
    public IReadOnlyList<GenerationResult> Autoregressive { get; }

    /// <summary>Time spent training or loading adapters.</summary>
    public TimeSpan AdapterTime { get; }

    /// <summary>Wall time of the whole run.</summary>
    public TimeSpan Wall { get; }

    /// <summary>The operating point: the attention adapter at the (l, η) with the best modelled speedup.</summary>
    public SettingResult Operating { get; }

    /// <summary>The operating point's l, at which every criterion is read.</summary>
    public int OperatingLayer => Operating.Setting.ExitLayer;

    /// <summary>The setting (l, adapter, η).</summary>
    public SettingResult Of(int exitLayer, AdapterKind kind, double eta) =>
        Settings.First(s => s.Setting.ExitLayer == exitLayer && s.Setting.Kind == kind && Math.Abs(s.Setting.Eta - eta) < 1e-9);

    /// <summary>The adapter of a kind at l.</summary>
    public IExitAdapter AdapterOf(int exitLayer, AdapterKind kind) => Adapters.First(a => a.ExitLayer == exitLayer && a.Kind == kind).Adapter;

    /// <summary>A session to step through by hand: the self-draft at l with an adapter (default: the operating point).</summary>
    public SpeculativeSession NewSession(long[] prompt, int? exitLayer = null, AdapterKind kind = AdapterKind.Attention, double? eta = null)
    {
        int l = exitLayer ?? OperatingLayer;
        var drafter = new SelfDrafter(TargetModel, l, AdapterOf(l, kind));
        return new SpeculativeSession(TargetModel, drafter, new GreedyVerifier(), prompt,
            KangarooExperiment.Options(Config, eta ?? Operating.Setting.Eta), Data.Language.Lexicon.Tokenizer);
    }

    /// <summary>The attention adapter at l across η (ascending).</summary>
    public IReadOnlyList<SettingResult> EtaCurve(int exitLayer) =>
        Settings.Where(s => s.Setting.ExitLayer == exitLayer && s.Setting.Kind == AdapterKind.Attention).OrderBy(s => s.Setting.Eta).ToList();

    static string F(double x, string format = "0.00") => x.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Where a curve peaks, and whether that is inside the sweep and above its η = 0 end.</summary>
    public static (int Peak, bool Interior, bool BeatsZero) PeakOf(IReadOnlyList<double> curve)
    {
        int peak = Enumerable.Range(0, curve.Count).OrderByDescending(i => curve[i]).First();
        return (peak, peak > 0 && peak < curve.Count - 1, curve[peak] > curve[0]);
    }

    /// <summary>The spec's "reproduced if" criteria, measured.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        int l = OperatingLayer;
        int identical = Settings.Sum(s => s.Identical), runs = Settings.Sum(s => s.Runs);
        var none = Of(l, AdapterKind.None, 0).Ctar;
        var mlp = Of(l, AdapterKind.Mlp, 0).Ctar;
        var attention = Of(l, AdapterKind.Attention, 0).Ctar;
        var ws = Enumerable.Range(1, Math.Min(4, Config.Gamma)).ToList();
        bool ranked = ws.All(w => attention[w - 1] > mlp[w - 1] && mlp[w - 1] > none[w - 1]);
        var curve = EtaCurve(l);
        var etas = curve.Select(s => s.Setting.Eta).ToList();
        var modelled = PeakOf(curve.Select(s => s.Modelled).ToList());
        var measured = PeakOf(curve.Select(s => s.Measured).ToList());
        string Peak((int Peak, bool Interior, bool BeatsZero) p, Func<SettingResult, double> v) =>
            $"peaks at η = {F(etas[p.Peak], "0.0")} ({F(v(curve[p.Peak]))}x vs {F(v(curve[0]))}x at η = 0)";
        var o = Operating;
        return new[]
        {
            new Criterion("output is token-for-token identical to greedy full-model decoding on all evaluation prompts",
                $"{identical} of {runs} runs identical ({Settings.Count} settings × {Config.EvalPrompts} prompts × {Config.Repeats} repeats)",
                identical == runs),
            new Criterion("CTAR ranks attention adapter > MLP > none (at w = 1..4)",
                $"l = {l}: " + string.Join("; ", ws.Select(w => $"w = {w}: {F(attention[w - 1])} > {F(mlp[w - 1])} > {F(none[w - 1])}")),
                ranked),
            new Criterion("the speedup-vs-eta curve peaks at an interior eta and beats eta = 0",
                $"l = {l}, attention adapter: modelled {Peak(modelled, s => s.Modelled)}; measured {Peak(measured, s => s.Measured)}",
                modelled.Interior && modelled.BeatsZero && measured.Interior && measured.BeatsZero),
            new Criterion("modelled speedup > 1.3x and measured wall-clock speedup > 1.15x over autoregressive decoding of the same model",
                $"{o.Setting.Label}: modelled {F(o.Modelled)}x, measured {F(o.Measured)}x ({F(o.EndToEnd)}x with the session's bookkeeping), {F(o.TokensPerCall)} tokens per verify call",
                o.Modelled > 1.3 && o.Measured > 1.15),
        };
    }

    /// <summary>CTAR(w) per adapter, one panel per l (without the second exit, so every round drafts γ).</summary>
    public Figure CtarFigure()
    {
        var w = Enumerable.Range(1, Config.Gamma).Select(x => (double)x).ToArray();
        var panels = Config.ExitLayers.Select(l =>
        {
            var fig = new Figure($"l = {l} of {Target.Layers}");
            foreach (var kind in KangarooConfig.Kinds)
                fig.Line(w, Of(l, kind, 0).Ctar, KangarooAdapters.Label(kind), Colour(kind), markers: true);
            return fig.XAxis("w (consecutive drafted tokens)").YAxis("CTAR(w)", min: 0, max: 1);
        }).ToArray();
        return Figure.Grid(panels.Length, $"Consecutive token acceptance rate: share of rounds keeping at least w drafts (γ = {Config.Gamma}, no second exit)", panels);
    }

    /// <summary>Speedup against η, modelled and measured, one line per l (attention adapter).</summary>
    public Figure SpeedupFigure()
    {
        Figure Panel(string title, Func<SettingResult, double> value)
        {
            var fig = new Figure(title);
            int i = 0;
            foreach (var l in Config.ExitLayers)
            {
                var curve = EtaCurve(l);
                fig.Line(curve.Select(s => s.Setting.Eta), curve.Select(value), $"l = {l}", Figure.Palette[i++ % Figure.Palette.Length], markers: true,
                    dash: l == OperatingLayer ? null : "dot");
            }
            return fig.HLine(1, label: "autoregressive").XAxis("η (stop drafting when top-1 probability < η)").YAxis("speedup", min: 0);
        }
        return Figure.Grid(2, $"Speedup vs the second early exit's threshold η (attention adapter, γ = {Config.Gamma})",
            Panel("modelled (weights read per call)", s => s.Modelled),
            Panel("measured (wall clock, same run)", s => s.Measured));
    }

    /// <summary>Compression rate (tokens per verification call) per l and adapter, and the operating point's.</summary>
    public Figure CompressionFigure()
    {
        var categories = Config.ExitLayers.Select(l => $"l = {l}").ToList();
        var fig = new Figure($"Compression rate: output tokens per verification call (γ = {Config.Gamma})");
        foreach (var kind in KangarooConfig.Kinds)
            fig.Bar(categories, Config.ExitLayers.Select(l => Of(l, kind, 0).TokensPerCall), $"{KangarooAdapters.Label(kind)}, η = 0", Colour(kind));
        fig.Bar(categories, Config.ExitLayers.Select(l => Of(l, AdapterKind.Attention, Operating.Setting.Eta).TokensPerCall),
            $"attention adapter, η = {F(Operating.Setting.Eta, "0.0")}", "#9467bd");
        return fig.BarMode("group").HLine(1, label: "autoregressive").YAxis("tokens per verification call", min: 0);
    }

    /// <summary>One prompt decoded at the operating point: which tokens the self-draft wrote, which the full model
    /// wrote, and where the second exit stopped drafting.</summary>
    public TokenStrip TokenStrip()
    {
        var traces = Operating.Traces;
        var trace = traces.OrderByDescending(t => t.Steps.Count(s => s.DraftStoppedEarly) > 0 ? 1 : 0)
            .ThenByDescending(t => t.Steps.Sum(s => s.Accepted)).First();
        return SelfSpeculativeViews.Strip(trace, Operating.Setting.ExitLayer, Target.Layers, Operating.Setting.Eta);
    }

    /// <summary>Per (l, adapter): parameters, held-out soft cross-entropy, CTAR and speed without the second exit.</summary>
    public DataFrame AdapterTable()
    {
        var rows = Adapters.Select(a => (a, s: Of(a.ExitLayer, a.Kind, 0))).ToList();
        return new DataFrame(
            new Int32DataFrameColumn("l", rows.Select(r => r.a.ExitLayer)),
            new StringDataFrameColumn("adapter", rows.Select(r => KangarooAdapters.Label(r.a.Kind))),
            new Int64DataFrameColumn("parameters", rows.Select(r => r.a.Parameters)),
            new DoubleDataFrameColumn("soft CE (nats)", rows.Select(r => Math.Round(r.a.HeldOutSoftCe, 3))),
            new DoubleDataFrameColumn("CTAR(1)", rows.Select(r => Math.Round(r.s.Ctar[0], 3))),
            new DoubleDataFrameColumn("CTAR(2)", rows.Select(r => Math.Round(r.s.Ctar[1], 3))),
            new DoubleDataFrameColumn("CTAR(4)", rows.Select(r => Math.Round(r.s.Ctar[Math.Min(3, r.s.Ctar.Length - 1)], 3))),
            new DoubleDataFrameColumn("tokens/call", rows.Select(r => Math.Round(r.s.TokensPerCall, 3))),
            new DoubleDataFrameColumn("modelled", rows.Select(r => Math.Round(r.s.Modelled, 3))),
            new DoubleDataFrameColumn("measured", rows.Select(r => Math.Round(r.s.Measured, 3))));
    }

    /// <summary>The η sweep at one l: drafted per round, early stops, tokens per call and both speedups.</summary>
    public DataFrame EtaTable(int? exitLayer = null)
    {
        var curve = EtaCurve(exitLayer ?? OperatingLayer);
        return new DataFrame(
            new DoubleDataFrameColumn("η", curve.Select(s => s.Setting.Eta)),
            new DoubleDataFrameColumn("drafted/round", curve.Select(s => Math.Round(s.DraftedPerRound, 3))),
            new DoubleDataFrameColumn("stopped early", curve.Select(s => Math.Round(s.StoppedEarly, 3))),
            new DoubleDataFrameColumn("tokens/call", curve.Select(s => Math.Round(s.TokensPerCall, 3))),
            new DoubleDataFrameColumn("modelled", curve.Select(s => Math.Round(s.Modelled, 3))),
            new DoubleDataFrameColumn("measured", curve.Select(s => Math.Round(s.Measured, 3))),
            new DoubleDataFrameColumn("draft ms/token", curve.Select(s => Math.Round(s.Speed.DraftMsPerToken, 3))),
            new DoubleDataFrameColumn("verify ms/token", curve.Select(s => Math.Round(s.Speed.VerifyMsPerToken, 3))));
    }

    static string Colour(AdapterKind kind) => kind switch
    {
        AdapterKind.None => "#7f7f7f",
        AdapterKind.Mlp => "#ff7f0e",
        _ => "#1f77b4",
    };

    /// <summary>The figures' numbers, for JSON.</summary>
    public JsonObject Numbers()
    {
        JsonArray Arr(IEnumerable<double> xs) => new(xs.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        var o = Operating;
        return new JsonObject
        {
            ["target_layers"] = Target.Layers,
            ["gamma"] = Config.Gamma,
            ["operating_exit_layer"] = OperatingLayer,
            ["eval_prompts"] = Config.EvalPrompts,
            ["repeats"] = Config.Repeats,
            ["adapter_seconds"] = Math.Round(AdapterTime.TotalSeconds, 1),
            ["ar_ms_per_token"] = Math.Round(o.Speed.ArMsPerToken, 3),
            ["operating"] = new JsonObject
            {
                ["setting"] = o.Setting.Label,
                ["eta"] = o.Setting.Eta,
                ["tokens_per_call"] = Math.Round(o.TokensPerCall, 3),
                ["modelled"] = Math.Round(o.Modelled, 3),
                ["measured"] = Math.Round(o.Measured, 3),
                ["measured_end_to_end"] = Math.Round(o.EndToEnd, 3),
                ["draft_call_over_decode_call_measured"] = Math.Round(o.Speed.CostRatio, 3),
                ["verify_call_over_decode_call_measured"] = Math.Round(o.Speed.VerifyRatio, 3),
                ["draft_call_over_decode_call_modelled"] = Math.Round(SelfSpeculativeSpeed.DraftCallRatio(Target, o.Setting.ExitLayer,
                    Adapters.First(a => a.ExitLayer == o.Setting.ExitLayer && a.Kind == o.Setting.Kind).Parameters), 3),
                ["verify_call_over_decode_call_modelled"] = Math.Round(SelfSpeculativeSpeed.VerifyCallRatio(Target, o.Setting.ExitLayer), 3),
            },
            ["lossless_runs"] = $"{Settings.Sum(s => s.Identical)}/{Settings.Sum(s => s.Runs)}",
            ["adapters"] = new JsonArray(Adapters.Select(a =>
            {
                var s = Of(a.ExitLayer, a.Kind, 0);
                return (JsonNode)new JsonObject
                {
                    ["l"] = a.ExitLayer,
                    ["adapter"] = KangarooAdapters.Label(a.Kind),
                    ["parameters"] = a.Parameters,
                    ["held_out_soft_ce"] = Math.Round(a.HeldOutSoftCe, 4),
                    ["ctar"] = Arr(s.Ctar),
                    ["tokens_per_call"] = Math.Round(s.TokensPerCall, 3),
                    ["modelled"] = Math.Round(s.Modelled, 3),
                    ["measured"] = Math.Round(s.Measured, 3),
                };
            }).ToArray()),
            ["eta_sweep"] = new JsonObject(Config.ExitLayers.Select(l => KeyValuePair.Create($"l{l}", (JsonNode?)new JsonObject
            {
                ["eta"] = Arr(EtaCurve(l).Select(s => s.Setting.Eta)),
                ["tokens_per_call"] = Arr(EtaCurve(l).Select(s => s.TokensPerCall)),
                ["drafted_per_round"] = Arr(EtaCurve(l).Select(s => s.DraftedPerRound)),
                ["modelled"] = Arr(EtaCurve(l).Select(s => s.Modelled)),
                ["measured"] = Arr(EtaCurve(l).Select(s => s.Measured)),
                ["measured_end_to_end"] = Arr(EtaCurve(l).Select(s => s.EndToEnd)),
            }))),
        };
    }
}
