using Workbench.Data.Language;
using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Papers.JudgeDecoding;
using Workbench.Tests.Speculative;
using static TorchSharp.torch;

namespace Workbench.Tests.Papers;

public class JudgeDecodingTests
{
    static readonly Workbench.Models.Transformer.TransformerLM Target = SpeculativeTests.RandomModel(2, 32, 31, vocab: 128);
    static readonly Workbench.Models.Transformer.TransformerLM Draft = SpeculativeTests.RandomModel(1, 16, 32, vocab: 128);

    [Fact]
    public void TextAcceptanceCountsOneCallPerAcceptedRunPlusItsCorrection()
    {
        var accepted = new[] { true, true, false, true, true, true, true, true, false };
        // γ = 4: [t t f] 3 tokens, [t t t t]+bonus 5 tokens, [f] 1 token: 3 calls for 9 tokens.
        Assert.Equal(3, TextAcceptance.Calls(accepted, 4));
        Assert.Equal(3.0, TextAcceptance.TokensPerCall(accepted, 4));
        Assert.Equal(accepted.Length, TextAcceptance.Calls(new bool[accepted.Length], 4)); // nothing accepted: one token per call
        Assert.Equal(1, TextAcceptance.Calls(Enumerable.Repeat(true, 9).ToArray(), 8)); // 8 accepted + the 9th as bonus
        Assert.Equal(2, TextAcceptance.Calls(Enumerable.Repeat(true, 10).ToArray(), 8)); // then one more call for the 10th
    }

    [Fact]
    public void DatasetLabelsEveryTokenOfACorrectAnswerAndOnlyTheFirstErrorOfAWrongOne()
    {
        var episodes = new CorpusSampler(Style.A, seed: 5).NextEpisodes(6);
        using var data = JudgeDataset.Build(Target, Draft, episodes, new[] { Style.C }, samplesPerPrompt: 0, seed: 1);
        // Expected from the checker alone: a random draft's greedy answer is labelled only at its first error (or
        // everywhere when it happens to be right); the style-C answer is valid, so all its tokens are positives.
        long positives = 0, negatives = 0;
        var rng = LanguageRandom.For(1, 0x1ad9e, 0);
        foreach (var e in episodes)
        {
            var prompt = Array.ConvertAll(e.PromptIds(), i => (long)i);
            var draft = Autoregressive.Generate(Draft, prompt, 24, eos: Lexicon.Tokenizer.EndOfAnswerId).Generated.Select(i => (int)i).ToArray();
            var check = AnswerChecker.For(e).Check(draft);
            if (check.Correct) positives += check.AnswerLength; else if (check.FirstInvalid >= 0) negatives++;
            positives += e.WithAnswerIn(Style.C, rng).Answer.Count;
        }
        Assert.True(negatives > 0);
        Assert.Equal(positives, data.Positives);
        Assert.Equal(negatives, data.Negatives);
        Assert.Equal(new long[] { positives + negatives, Target.Config.Dim }, data.States.shape);
    }

    [Fact]
    public void TargetStatesAreTheVerifyPassStatesAtDraftedPositions()
    {
        // The judge is trained on full-forward states and applied to the states of chunked verification: they must agree.
        var prompt = new long[] { 3, 9, 14, 20 };
        var text = new long[] { 30, 31, 32 };
        using var states = JudgeDataset.TargetStates(Target, prompt, text);
        using var cache = Target.NewCache();
        using (no_grad())
        {
            Target.Forward(tensor(prompt.Take(3).ToArray()).unsqueeze(0), cache);
            var chunk = tensor(new[] { prompt[^1] }.Concat(text).ToArray()).unsqueeze(0);
            var verify = Target.FinalNorm(Target.RunLayers(Target.Embed(chunk), 0, Target.Config.Layers, cache))[0];
            Assert.True(verify.narrow(0, 1, text.Length).allclose(states, rtol: 1e-4, atol: 1e-5));
        }
    }

    [Fact]
    public void TheJudgeHeadLearnsASeparableRuleAndReportsPrecisionAndRecall()
    {
        Workbench.Torch.TorchRuntime.Seed(3);
        var states = randn(600, 16);
        var labels = (states[.., 0] + 0.5 * states[.., 1] > -0.8).to(ScalarType.Float32); // imbalanced: about 3 in 4 valid
        using var data = new JudgeDataset(states, labels, 600, 0);
        var judge = new LinearJudge(16, seed: 1).Train(data, steps: 300, learningRate: 5e-2);
        Assert.Equal(17, judge.Parameters);
        var q = judge.Quality(data, 0.5);
        Assert.True(q.Precision > 0.95 && q.Recall > 0.9, $"precision {q.Precision}, recall {q.Recall}");
        Assert.True(q.InvalidAccepted < 0.15, $"invalid accepted {q.InvalidAccepted}");
    }

    [Fact]
    public void TheRandomAcceptorAtRateZeroIsStandardVerificationAndAtRateOneKeepsEveryDraft()
    {
        var prompt = new long[] { 1, 5, 9, 12 };
        var options = new SpeculativeOptions(4, MaxNew: 20);
        SpeculativeTrace Run(IVerifier v)
        {
            using var drafter = new ModelDrafter(Draft, 64);
            using var session = new SpeculativeSession(Target, drafter, v, prompt, options);
            return session.Run();
        }
        var none = Run(new RandomAcceptor(0, seed: 1));
        Assert.Equal(Autoregressive.Generate(Target, prompt, 20).Generated, none.Output);
        var all = Run(new RandomAcceptor(1, seed: 1));
        Assert.Equal(1.0, SpeculativeMetrics.Of(all).AcceptanceRate);
        Assert.Contains(all.Steps.SelectMany(s => s.Drafted), d => d.Verdict == Verdict.JudgeAccepted);
    }

    [Fact]
    public void AJudgeThatAcceptsEverythingOutputsTheDraftsTokensAndEachRoundCountsOnlyWhatItOutput()
    {
        // A round whose kept drafts contain the end token outputs only the tokens through it.
        var prompt = new long[] { 1, 5, 9, 12 };
        long eos = Autoregressive.Generate(Draft, prompt, 6).Generated[4];
        using var drafter = new ModelDrafter(Draft, 64);
        using var session = new SpeculativeSession(Target, drafter, new RandomAcceptor(1, seed: 2), prompt, new SpeculativeOptions(8, Eos: eos, MaxNew: 20));
        var trace = session.Run();
        Assert.Equal(trace.Output.Count, trace.Steps.Sum(s => s.Emitted));
        Assert.Equal(trace.Output, trace.Steps.SelectMany(s => s.EmittedTokens));
        Assert.Equal(eos, trace.Output[^1]);
        Assert.Equal(trace.Output.Count / (double)trace.Steps.Count, SpeculativeMetrics.Of(trace).MeanTokensPerTargetCall);
    }

    [Fact]
    public void TheSeedRecordsTheDraftsOwnAccuracyOnTheEvaluationPrompts()
    {
        // The shipped pair, so the accuracies are not all zero; quick sizes (6 evaluation prompts).
        var target = Workbench.Training.LmCheckpoints.Target();
        var draft = Workbench.Training.LmCheckpoints.Draft();
        using var _ = Workbench.Progress.ProgressTask.Redirect(null);
        var seed = JudgeDecodingExperiment.RunSeed(JudgeDecodingConfig.For(quick: true), target, draft, seed: 0);
        double Alone(Workbench.Models.Transformer.TransformerLM m) =>
            AnswerChecker.TaskAccuracy(seed.EvalEpisodes, Workbench.Training.LanguageModelEval.GreedyAnswers(m, seed.EvalEpisodes)).Accuracy;
        Assert.Equal(Alone(draft), seed.DraftAccuracy, 6);
        Assert.Equal(Alone(target), seed.TargetAccuracy, 6);
        Assert.Equal(seed.DraftAccuracy, new JudgeDecodingSummary(JudgeDecodingConfig.For(quick: true), [seed]).DraftAccuracy, 6);
    }
}
