using System.Diagnostics;
using Workbench.Data.Language;
using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Models.Transformer;
using Workbench.Progress;
using Workbench.Training;

namespace Workbench.Papers.Kangaroo;

/// <summary>Sizes of the Kangaroo experiment.</summary>
/// <param name="ExitLayers">The l values: the self-draft runs the target's first l blocks.</param>
/// <param name="Gamma">Most tokens drafted per round (the paper's γ = 6).</param>
/// <param name="Etas">Thresholds η of the second early exit swept (0 = always draft γ).</param>
/// <param name="EvalPrompts">Held-out prompts decoded by every setting.</param>
/// <param name="Repeats">Each prompt is decoded this many times per setting, interleaved with the autoregressive
/// baseline; the fastest run of each counts (timing noise on a shared machine only ever adds time).</param>
/// <param name="TrainSequences">Packed training sequences whose target states train the adapters.</param>
/// <param name="SeqLen">Tokens per training sequence.</param>
/// <param name="TrainSteps">Optimiser steps per adapter.</param>
/// <param name="Batch">Sequences per step.</param>
/// <param name="LearningRate">Peak learning rate.</param>
/// <param name="Seed">Seeds the training corpus, the adapters and the batch order.</param>
public sealed record KangarooConfig(int[] ExitLayers, double[] Etas, int Gamma = 6, int EvalPrompts = 40, int Repeats = 2,
    int TrainSequences = 384, int SeqLen = 128, int TrainSteps = 400, int Batch = 16, double LearningRate = 2e-3, long Seed = 5)
{
    /// <summary>Full: l in {1, 2, 3}, η in {0, 0.2, …, 0.9} (finer around the optimum), 40 prompts. Quick: l in {1, 2}, four η, 6 prompts, a few
    /// dozen training steps (the numbers are a smoke test, not the reproduction).</summary>
    public static KangarooConfig For(bool quick) => quick
        ? new KangarooConfig(new[] { 1, 2 }, new[] { 0, 0.4, 0.6, 0.8 }, EvalPrompts: 6, Repeats: 1, TrainSequences: 48, TrainSteps: 40)
        : new KangarooConfig(new[] { 1, 2, 3 }, new[] { 0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.9 });

    /// <summary>The adapters compared at each l.</summary>
    public static readonly AdapterKind[] Kinds = { AdapterKind.None, AdapterKind.Mlp, AdapterKind.Attention };

    /// <summary>The recipe of one trained adapter.</summary>
    public AdapterTrainConfig TrainConfig(string target, int exitLayer, AdapterKind kind) =>
        new(target, exitLayer, kind, TrainSequences, SeqLen, TrainSteps, Batch, LearningRate, Seed);
}

/// <summary>One trained (or plain) adapter at one l.</summary>
/// <param name="HeldOutSoftCe">Soft cross-entropy to the full model on held-out sequences (nats).</param>
public sealed record AdapterResult(int ExitLayer, AdapterKind Kind, long Parameters, double HeldOutSoftCe, IExitAdapter Adapter);

/// <summary>One decoding setting: a self-drafter (l, adapter) and a second-exit threshold η.</summary>
public sealed record DecodeSetting(int ExitLayer, AdapterKind Kind, double Eta)
{
    /// <summary>For legends.</summary>
    public string Label => $"l = {ExitLayer}, {KangarooAdapters.Label(Kind)}, η = {Eta:0.0#}";
}

/// <summary>What one setting did over the evaluation prompts (the fastest of the repeats per prompt).</summary>
/// <param name="Identical">Runs (all repeats) whose output equalled the target's greedy decoding.</param>
/// <param name="Runs">Runs in total.</param>
/// <param name="Ctar">CTAR(w) for w = 1..γ: of the rounds that drafted at least w tokens, the share that kept at least w.</param>
/// <param name="TokensPerCall">Compression rate: output tokens per verification call (accepted + 1).</param>
/// <param name="DraftedPerRound">Mean drafted tokens per round (γ without the second exit).</param>
/// <param name="StoppedEarly">Share of rounds the second early exit ended before γ.</param>
/// <param name="Modelled">Modelled speedup (weights read per call, <see cref="SelfSpeculativeSpeed"/>).</param>
/// <param name="Speed">Measured against autoregressive decoding in the same run.</param>
/// <param name="EndToEnd">Measured with everything the session does per round (bookkeeping included).</param>
public sealed record SettingResult(DecodeSetting Setting, int Identical, int Runs, double[] Ctar, double TokensPerCall, double DraftedPerRound,
    double StoppedEarly, double Modelled, SpeedReport Speed, double EndToEnd)
{
    /// <summary>The fastest trace per prompt.</summary>
    public IReadOnlyList<SpeculativeTrace> Traces { get; init; } = Array.Empty<SpeculativeTrace>();

    /// <summary>Measured speedup (draft and verify time, as <c>bench speculative</c> reports it).</summary>
    public double Measured => Speed.MeasuredSpeedup;
}

/// <summary>Kangaroo on the shipped target: train the adapters on frozen layer-l states, then decode held-out prompts
/// with every (l, adapter) without the second exit (CTAR, compression) and with the attention adapter across η (the
/// speedup curve), all interleaved with greedy autoregressive decoding of the same target.</summary>
public static class KangarooExperiment
{
    /// <summary>Seed of the held-out evaluation episodes.</summary>
    public const long EvalSeed = 4242;

    /// <summary>Trains (or loads) every adapter of the config.</summary>
    public static IReadOnlyList<AdapterResult> Adapters(KangarooConfig config, TransformerLM target)
    {
        var fingerprint = AdapterTraining.Fingerprint(target);
        ExitStateData? train = null;
        var results = new List<AdapterResult>();
        try
        {
            using var heldOut = new ExitStateData(target, config.ExitLayers, Math.Max(8, config.TrainSequences / 12), config.SeqLen, config.Seed + 1000);
            foreach (var l in config.ExitLayers)
                foreach (var kind in KangarooConfig.Kinds)
                {
                    var adapter = AdapterTraining.LoadOrTrain(target, config.TrainConfig(fingerprint, l, kind),
                        () => train ??= new ExitStateData(target, config.ExitLayers, config.TrainSequences, config.SeqLen, config.Seed));
                    results.Add(new AdapterResult(l, kind, adapter.ParameterCount, AdapterTraining.Evaluate(target, adapter, heldOut, l), adapter));
                }
        }
        finally
        {
            train?.Dispose();
        }
        return results;
    }

    /// <summary>The settings decoded: every (l, adapter) at η = 0, and the attention adapter at every η.</summary>
    public static IReadOnlyList<DecodeSetting> Settings(KangarooConfig config) =>
        config.ExitLayers.SelectMany(l => KangarooConfig.Kinds.Select(k => new DecodeSetting(l, k, 0))
            .Concat(config.Etas.Where(e => e > 0).Select(e => new DecodeSetting(l, AdapterKind.Attention, e)))).ToList();

    /// <summary>The evaluation prompts (held-out style-A episodes).</summary>
    public static IReadOnlyList<long[]> Prompts(int count) =>
        CorpusSampler.HeldOutEpisodes(Style.A, EvalSeed, count).Select(e => Array.ConvertAll(e.PromptIds(), i => (long)i)).ToList();

    /// <summary>Options of a setting's sessions: γ, η, the end-of-answer token, the answer budget.</summary>
    public static SpeculativeOptions Options(KangarooConfig config, double eta) =>
        new(config.Gamma, StopDraftBelow: eta > 0 ? eta : null, Eos: Lexicon.Tokenizer.EndOfAnswerId, MaxNew: LanguageModelEval.MaxAnswerTokens);

    /// <summary>Decodes <paramref name="prompt"/> once with a setting.</summary>
    public static SpeculativeTrace Decode(TransformerLM target, IExitAdapter adapter, int exitLayer, double eta, KangarooConfig config, long[] prompt)
    {
        using var drafter = new SelfDrafter(target, exitLayer, adapter);
        using var session = new SpeculativeSession(target, drafter, new GreedyVerifier(), prompt, Options(config, eta), Lexicon.Tokenizer);
        return session.Run();
    }

    /// <summary>Runs the whole experiment.</summary>
    public static KangarooResult Run(KangarooConfig config, TransformerLM target)
    {
        var clock = Stopwatch.StartNew();
        var adapters = Adapters(config, target);
        var adapterTime = clock.Elapsed;
        var settings = Settings(config);
        var prompts = Prompts(config.EvalPrompts);
        IExitAdapter AdapterOf(DecodeSetting s) => adapters.First(a => a.ExitLayer == s.ExitLayer && a.Kind == s.Kind).Adapter;

        int maxNew = LanguageModelEval.MaxAnswerTokens;
        long eos = Lexicon.Tokenizer.EndOfAnswerId;
        var bestAr = new GenerationResult[prompts.Count];
        var best = settings.Select(_ => new SpeculativeTrace[prompts.Count]).ToArray();
        var identical = new int[settings.Count];
        using (var progress = ProgressTask.Start("Kangaroo decoding (every setting, interleaved with autoregressive)", prompts.Count * config.Repeats))
            for (int p = 0; p < prompts.Count; p++)
                for (int r = 0; r < config.Repeats; r++)
                {
                    var ar = Autoregressive.Generate(target, prompts[p], maxNew, eos: eos);
                    if (bestAr[p] == null || DecodeMs(ar) < DecodeMs(bestAr[p])) bestAr[p] = ar;
                    for (int s = 0; s < settings.Count; s++)
                    {
                        var trace = Decode(target, AdapterOf(settings[s]), settings[s].ExitLayer, settings[s].Eta, config, prompts[p]);
                        if (trace.Output.SequenceEqual(ar.Generated)) identical[s]++;
                        if (best[s][p] == null || DecodeMs(trace) < DecodeMs(best[s][p])) best[s][p] = trace;
                    }
                    progress.Advance();
                }

        var results = settings.Select((s, i) => Summarise(s, best[i], bestAr, identical[i], prompts.Count * config.Repeats, config.Gamma, target,
            adapters.First(a => a.ExitLayer == s.ExitLayer && a.Kind == s.Kind).Parameters)).ToList();
        return new KangarooResult(config, target, adapters, results, bestAr, adapterTime, clock.Elapsed);
    }

    static double DecodeMs(GenerationResult g) => (g.Cost["target"].Wall - g.Prefill).TotalMilliseconds;

    static double DecodeMs(SpeculativeTrace t) => SpeculativeMetrics.Of(t).DecodeWall.TotalMilliseconds;

    /// <summary>The metrics of one setting from its traces.</summary>
    public static SettingResult Summarise(DecodeSetting setting, IReadOnlyList<SpeculativeTrace> traces, IReadOnlyList<GenerationResult> ar,
        int identical, int runs, int gamma, TransformerLM target, long adapterParameters)
    {
        var steps = traces.SelectMany(t => t.Steps).ToList();
        var ctar = Ctar(steps, gamma);
        var speed = SpeedModel.Compare(ar, traces);
        double arMs = ar.Sum(g => DecodeMs(g)) / Math.Max(1, ar.Sum(g => g.Generated.Count - 1));
        double specMs = traces.Sum(t => (t.Wall - t.Prefill).TotalMilliseconds) / Math.Max(1, steps.Sum(s => s.Emitted));
        return new SettingResult(setting, identical, runs, ctar, speed.Metrics.MeanTokensPerTargetCall, speed.Metrics.MeanDrafted,
            steps.Count == 0 ? 0 : steps.Count(s => s.DraftStoppedEarly) / (double)steps.Count,
            SelfSpeculativeSpeed.Modelled(traces, target.Config, adapterParameters), speed, arMs / specMs) { Traces = traces };
    }

    /// <summary>CTAR(w), w = 1..γ: of the rounds that drafted at least w tokens, the share that kept at least w.</summary>
    public static double[] Ctar(IReadOnlyList<SpeculativeStep> steps, int gamma) =>
        Enumerable.Range(1, gamma).Select(w =>
        {
            var reached = steps.Where(s => s.Drafted.Count >= w).ToList();
            return reached.Count == 0 ? double.NaN : reached.Count(s => s.Accepted >= w) / (double)reached.Count;
        }).ToArray();
}
