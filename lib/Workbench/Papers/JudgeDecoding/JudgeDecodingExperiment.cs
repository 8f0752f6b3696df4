using Workbench.Data.Language;
using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Models.Transformer;
using Workbench.Progress;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Papers.JudgeDecoding;

/// <summary>Sizes of the Judge Decoding experiment.</summary>
/// <param name="Seeds">Independent repeats: each seed draws its own judge training prompts, judge initialisation and
/// evaluation prompts (the shipped target and draft stay the same).</param>
/// <param name="TrainPrompts">Prompts whose continuations make the judge's training data.</param>
/// <param name="SamplesPerPrompt">Sampled (temperature 1) draft answers per training prompt, besides the greedy one.</param>
/// <param name="EvalPrompts">Held-out prompts decoded by every verifier.</param>
/// <param name="Gamma">Drafted tokens per round (the paper drafts long blocks).</param>
/// <param name="Taus">Judge thresholds swept.</param>
/// <param name="JudgeSteps">Full-batch training steps of the judge head.</param>
public sealed record JudgeDecodingConfig(int Seeds = 3, int TrainPrompts = 300, int SamplesPerPrompt = 2, int EvalPrompts = 150,
    int Gamma = 8, double[]? Taus = null, int JudgeSteps = 400)
{
    /// <summary>The thresholds (default 0.3 … 0.97).</summary>
    public double[] TauSweep => Taus ?? new[] { 0.3, 0.5, 0.7, 0.9, 0.97 };

    /// <summary>The full size (the figures and criteria) and the quick size (seconds, for tests).</summary>
    public static JudgeDecodingConfig For(bool quick) => quick
        ? new JudgeDecodingConfig(Seeds: 1, TrainPrompts: 24, SamplesPerPrompt: 1, EvalPrompts: 6, Taus: new[] { 0.5, 0.9 }, JudgeSteps: 100)
        : new JudgeDecodingConfig();
}

/// <summary>One verifier's run over the evaluation prompts.</summary>
/// <param name="Verifier">Its name.</param>
/// <param name="Tau">The judge threshold (null for standard verification).</param>
/// <param name="TokensPerCall">Output tokens per target call (τ of the speed model), bonus included.</param>
/// <param name="AcceptanceRate">Kept drafted tokens / drafted tokens.</param>
/// <param name="OverruleRate">Of the drafted tokens the standard rule rejected and the judge saw, the share it kept.</param>
/// <param name="Accuracy">Task accuracy of the outputs (the checker's whole-answer verdict).</param>
/// <param name="MeasuredSpeedup">Wall-clock speedup against autoregressive decoding of the target in the same run.</param>
/// <param name="ModelledSpeedup">(accepted + 1) / (1 + γ · c_draft / c_target) with the measured cost ratio.</param>
public sealed record VerifierRun(string Verifier, double? Tau, double TokensPerCall, double AcceptanceRate, double OverruleRate,
    double Accuracy, double MeasuredSpeedup, double ModelledSpeedup)
{
    /// <summary>The traces (one per prompt).</summary>
    public IReadOnlyList<SpeculativeTrace> Traces { get; init; } = Array.Empty<SpeculativeTrace>();
}

/// <summary>Standard-verification acceptance of fixed texts offered as drafts (the motivating figure).</summary>
/// <param name="Source">Which text: the draft model's own answers, or valid answers in a style.</param>
/// <param name="StandardTokensPerCall">Tokens per target call under greedy match.</param>
/// <param name="TextAccuracy">Share of these texts that are correct answers.</param>
public sealed record TextRun(string Source, double StandardTokensPerCall, double TextAccuracy)
{
    /// <summary>Per text: whether the target's greedy choice matched each token, and the judge's score of it.</summary>
    public IReadOnlyList<(bool[] Match, double[] Judge)> Texts { get; init; } = Array.Empty<(bool[], double[])>();

    /// <summary>Tokens per target call when the judge may also accept (match OR score above τ).</summary>
    public double JudgeTokensPerCall(double tau, int gamma)
    {
        int tokens = Texts.Sum(t => t.Match.Length);
        int calls = Texts.Sum(t => TextAcceptance.Calls(t.Match.Zip(t.Judge, (m, j) => m || j > tau).ToArray(), gamma));
        return calls == 0 ? 0 : (double)tokens / calls;
    }
}

/// <summary>Everything one seed measured.</summary>
public sealed record JudgeSeedResult(int Seed, long JudgeParameters, int TrainTokens, int TrainPositives, int TrainNegatives,
    double JudgeLoss, double TargetAccuracy, VerifierRun Standard, IReadOnlyList<VerifierRun> Judge, IReadOnlyList<VerifierRun> Random,
    IReadOnlyList<TextRun> Texts, IReadOnlyList<JudgeQuality> Quality, double[] ValidScores, double[] InvalidScores)
{
    /// <summary>The trained judge (for re-running at another τ).</summary>
    public LinearJudge? TrainedJudge { get; init; }

    /// <summary>The held-out evaluation episodes.</summary>
    public IReadOnlyList<Episode> EvalEpisodes { get; init; } = Array.Empty<Episode>();

    /// <summary>Task accuracy of the draft decoding the evaluation prompts alone (its answers are the motivating
    /// figure's first text): whether blind acceptance of its tokens can cost accuracy depends on the target being the
    /// better answerer.</summary>
    public double DraftAccuracy => Texts.First(t => t.Source == JudgeDecodingExperiment.DraftAnswers).TextAccuracy;

    /// <summary>The target's own autoregressive decoding of them (the speed and accuracy baseline).</summary>
    public IReadOnlyList<GenerationResult> Autoregressive { get; init; } = Array.Empty<GenerationResult>();
}

/// <summary>The Judge Decoding experiment on the synthetic language: build the judge's data from the checker, train
/// the linear judge on the shipped target's states, then decode held-out prompts with the style-B draft under
/// standard verification, the judge at each τ, and a random acceptor matched to the judge's overrule rate.</summary>
public static class JudgeDecodingExperiment
{
    /// <summary>The motivating figure's text source that is the draft model's own greedy answers.</summary>
    public const string DraftAnswers = "draft model's answers (style B)";

    /// <summary>Runs every seed.</summary>
    public static IReadOnlyList<JudgeSeedResult> Run(JudgeDecodingConfig config, TransformerLM target, TransformerLM draft)
    {
        if (draft.Config.VocabSize != target.Config.VocabSize)
            throw new ArgumentException($"mismatched vocabularies: the draft has {draft.Config.VocabSize} tokens, the target {target.Config.VocabSize}");
        using var progress = ProgressTask.Start("judge decoding seeds", config.Seeds);
        var results = new List<JudgeSeedResult>();
        for (int seed = 0; seed < config.Seeds; seed++)
        {
            results.Add(RunSeed(config, target, draft, seed));
            progress.Advance();
        }
        return results;
    }

    /// <summary>One seed.</summary>
    public static JudgeSeedResult RunSeed(JudgeDecodingConfig config, TransformerLM target, TransformerLM draft, int seed)
    {
        var humanStyles = new[] { Style.B, Style.C };
        // Judge data from training-side content (never the held-out facts the evaluation uses).
        var trainEpisodes = new CorpusSampler(Style.A, seed: 1000 + seed).NextEpisodes(config.TrainPrompts);
        using var train = JudgeDataset.Build(target, draft, trainEpisodes, humanStyles, config.SamplesPerPrompt, seed);
        var judge = new LinearJudge(target.Config.Dim, seed).Train(train, config.JudgeSteps);

        // Precision/recall and score histograms on labelled tokens of held-out prompts.
        var checkEpisodes = CorpusSampler.HeldOutEpisodes(Style.A, seed: 2000 + seed, count: Math.Max(6, config.TrainPrompts / 3));
        using var check = JudgeDataset.Build(target, draft, checkEpisodes, humanStyles, config.SamplesPerPrompt, 7000 + seed);
        var scores = judge.Score(check.States);
        var labels = check.Labels.data<float>().ToArray();
        var quality = config.TauSweep.Select(t => judge.Quality(check, t)).ToList();

        // Decoding: the target alone, then every verifier on the same held-out prompts.
        var evalEpisodes = CorpusSampler.HeldOutEpisodes(Style.A, seed: 3000 + seed, count: config.EvalPrompts);
        var prompts = evalEpisodes.Select(e => Array.ConvertAll(e.PromptIds(), i => (long)i)).ToList();
        var options = new SpeculativeOptions(config.Gamma, Eos: Lexicon.Tokenizer.EndOfAnswerId, MaxNew: LanguageModelEval.MaxAnswerTokens);
        var ar = prompts.Select(p => Autoregressive.Generate(target, p, options.MaxNew, eos: options.Eos)).ToList();
        double targetAccuracy = Accuracy(evalEpisodes, ar.Select(g => g.Generated).ToList());

        var standard = Decode(target, draft, new GreedyVerifier(), null, prompts, evalEpisodes, ar, options);
        var judged = new List<VerifierRun>();
        var random = new List<VerifierRun>();
        foreach (var tau in config.TauSweep)
        {
            var j = Decode(target, draft, new JudgeVerifier(new GreedyVerifier(), judge, tau), tau, prompts, evalEpisodes, ar, options);
            judged.Add(j);
            random.Add(Decode(target, draft, new RandomAcceptor(j.OverruleRate, 99 + seed), tau, prompts, evalEpisodes, ar, options));
        }

        var texts = Texts(target, draft, judge, evalEpisodes, config.Gamma, seed);
        return new JudgeSeedResult(seed, judge.Parameters, (int)train.Count, (int)train.Positives, (int)train.Negatives, judge.FinalLoss,
            targetAccuracy, standard, judged, random, texts, quality,
            scores.Where((_, i) => labels[i] > 0.5f).ToArray(), scores.Where((_, i) => labels[i] < 0.5f).ToArray())
        {
            TrainedJudge = judge, EvalEpisodes = evalEpisodes, Autoregressive = ar,
        };
    }

    /// <summary>Decodes a seed's evaluation prompts again with its judge at another τ (the notebook's exploration).</summary>
    public static VerifierRun AtTau(JudgeSeedResult seed, JudgeDecodingConfig config, TransformerLM target, TransformerLM draft, double tau)
    {
        var judge = seed.TrainedJudge ?? throw new ArgumentException("this seed result has no trained judge");
        var prompts = seed.EvalEpisodes.Select(e => Array.ConvertAll(e.PromptIds(), i => (long)i)).ToList();
        var options = new SpeculativeOptions(config.Gamma, Eos: Lexicon.Tokenizer.EndOfAnswerId, MaxNew: LanguageModelEval.MaxAnswerTokens);
        return Decode(target, draft, new JudgeVerifier(new GreedyVerifier(), judge, tau), tau, prompts, seed.EvalEpisodes, seed.Autoregressive, options);
    }

    static VerifierRun Decode(TransformerLM target, TransformerLM draft, IVerifier verifier, double? tau, IReadOnlyList<long[]> prompts,
        IReadOnlyList<Episode> episodes, IReadOnlyList<GenerationResult> ar, SpeculativeOptions options)
    {
        var traces = new List<SpeculativeTrace>(prompts.Count);
        using (var progress = ProgressTask.Start(verifier.Name, prompts.Count))
            foreach (var prompt in prompts)
            {
                using var drafter = new ModelDrafter(draft, 128);
                using var session = new SpeculativeSession(target, drafter, verifier, prompt, options);
                traces.Add(session.Run());
                progress.Advance();
            }
        var speed = SpeedModel.Compare(ar, traces);
        var verdicts = traces.SelectMany(t => t.Steps).SelectMany(s => s.Drafted).Select(d => d.Verdict).ToList();
        int overruled = verdicts.Count(v => v == Verdict.JudgeAccepted), refused = verdicts.Count(v => v == Verdict.Rejected);
        return new VerifierRun(verifier.Name, tau, speed.Metrics.MeanTokensPerTargetCall, speed.Metrics.AcceptanceRate,
            overruled + refused == 0 ? 0 : (double)overruled / (overruled + refused),
            Accuracy(episodes, traces.Select(t => t.Output).ToList()), speed.MeasuredSpeedup, speed.ModelledSpeedup) { Traces = traces };
    }

    static double Accuracy(IReadOnlyList<Episode> episodes, IReadOnlyList<IReadOnlyList<long>> outputs) =>
        AnswerChecker.TaskAccuracy(episodes, outputs.Select(o => (IReadOnlyList<int>)o.Select(i => (int)i).ToList()).ToList()).Accuracy;

    /// <summary>The motivating figure's texts: the draft's own greedy answers and valid answers in each style, offered
    /// to the target as drafts.</summary>
    static IReadOnlyList<TextRun> Texts(TransformerLM target, TransformerLM draft, LinearJudge judge, IReadOnlyList<Episode> episodes, int gamma, int seed)
    {
        var rng = LanguageRandom.For(seed, 0x7e47, 0);
        var sources = new List<(string Name, Func<Episode, long[]> Text)>
        {
            (DraftAnswers, e => Autoregressive.Generate(draft, Array.ConvertAll(e.PromptIds(), i => (long)i),
                LanguageModelEval.MaxAnswerTokens, eos: Lexicon.Tokenizer.EndOfAnswerId).Generated.ToArray()),
        };
        foreach (var style in new[] { Style.A, Style.B, Style.C })
            sources.Add(($"valid human text, style {style}", e => Array.ConvertAll(e.WithAnswerIn(style, rng).AnswerIds(), i => (long)i)));
        var runs = new List<TextRun>();
        foreach (var (name, textOf) in sources)
        {
            var texts = new List<(bool[], double[])>();
            int correct = 0;
            foreach (var e in episodes)
            {
                var prompt = Array.ConvertAll(e.PromptIds(), i => (long)i);
                var text = textOf(e);
                if (text.Length == 0) continue;
                if (AnswerChecker.For(e).Check(text.Select(i => (int)i)).Correct) correct++;
                texts.Add(MatchesAndScores(judge, target, prompt, text));
            }
            int tokens = texts.Sum(t => t.Item1.Length), calls = texts.Sum(t => TextAcceptance.Calls(t.Item1, gamma));
            runs.Add(new TextRun(name, calls == 0 ? 0 : (double)tokens / calls, episodes.Count == 0 ? 0 : (double)correct / episodes.Count) { Texts = texts });
        }
        return runs;
    }

    /// <summary>Per text token: is it the target's greedy choice, and the judge's score of it (one target forward).</summary>
    static (bool[], double[]) MatchesAndScores(LinearJudge judge, TransformerLM target, long[] prompt, long[] text)
    {
        using var scope = NewDisposeScope();
        var (states, matches) = JudgeDataset.TargetPass(target, prompt, text);
        return (matches, judge.Score(states));
    }
}
