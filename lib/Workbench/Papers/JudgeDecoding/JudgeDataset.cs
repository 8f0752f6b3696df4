using Workbench.Data.Language;
using Workbench.Decoding;
using Workbench.Models.Transformer;
using Workbench.Progress;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Papers.JudgeDecoding;

/// <summary>Judge training data: target last-layer states at continuation tokens with the checker's labels.</summary>
/// <param name="States">[N, d]: the target's final-norm state after reading each labelled token (what the judge sees
/// at a drafted position during verification).</param>
/// <param name="Labels">[N]: 1 for a token of a correct answer, 0 for the first erroneous token of a wrong answer.</param>
/// <param name="Answers">Continuations used.</param>
/// <param name="CorrectAnswers">Of them, correct ones (all their tokens labelled 1).</param>
public sealed record JudgeDataset(Tensor States, Tensor Labels, int Answers, int CorrectAnswers) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        States.Dispose();
        Labels.Dispose();
    }

    /// <summary>Labelled tokens.</summary>
    public long Count => Labels.shape[0];

    /// <summary>Tokens labelled 1.</summary>
    public long Positives => (long)Labels.sum().item<float>();

    /// <summary>Tokens labelled 0.</summary>
    public long Negatives => Count - Positives;

    /// <summary>Builds the dataset the paper's way: continuations of <paramref name="episodes"/>' prompts by the
    /// draft (greedy and sampled) and valid answers in <paramref name="humanStyles"/>; every token of a correct answer is
    /// labelled 1, only the first erroneous token of a wrong answer is labelled 0 (tokens after an error have no
    /// meaningful label). The labels come from the language's checker, so they are perfect by construction.</summary>
    public static JudgeDataset Build(TransformerLM target, TransformerLM draft, IReadOnlyList<Episode> episodes,
        IReadOnlyList<Style> humanStyles, int samplesPerPrompt, long seed)
    {
        var states = new List<Tensor>();
        var labels = new List<float>();
        int answers = 0, correct = 0;
        var rng = LanguageRandom.For(seed, 0x1ad9e, 0);
        using var progress = ProgressTask.Start("judge dataset", episodes.Count);
        for (int e = 0; e < episodes.Count; e++)
        {
            var episode = episodes[e];
            var prompt = Array.ConvertAll(episode.PromptIds(), i => (long)i);
            var checker = AnswerChecker.For(episode);
            foreach (var continuation in Continuations(draft, episode, prompt, humanStyles, samplesPerPrompt, seed * 1000 + e, rng))
            {
                var check = checker.Check(continuation.Select(i => (int)i));
                int[] positions;
                float label;
                if (check.Correct) { positions = Enumerable.Range(0, check.AnswerLength).ToArray(); label = 1; correct++; }
                else if (check.FirstInvalid >= 0) { positions = new[] { check.FirstInvalid }; label = 0; }
                else continue; // ran out of budget with every token valid: no label either way
                answers++;
                var at = TargetStates(target, prompt, continuation);
                states.Add(at.index_select(0, tensor(positions.Select(p => (long)p).ToArray())).DetachFromDisposeScope());
                at.Dispose();
                labels.AddRange(Enumerable.Repeat(label, positions.Length));
            }
            progress.Advance();
        }
        if (labels.Count == 0) throw new InvalidOperationException("no labelled continuations: the dataset is empty");
        var stacked = cat(states, 0);
        foreach (var s in states) s.Dispose();
        return new JudgeDataset(stacked, tensor(labels.ToArray()), answers, correct);
    }

    static IEnumerable<long[]> Continuations(TransformerLM draft, Episode episode, long[] prompt, IReadOnlyList<Style> humanStyles,
        int samples, long seed, LanguageRandom rng)
    {
        long eoa = Lexicon.Tokenizer.EndOfAnswerId;
        yield return Autoregressive.Generate(draft, prompt, LanguageModelEval.MaxAnswerTokens, eos: eoa).Generated.ToArray();
        for (int s = 0; s < samples; s++)
            yield return Autoregressive.Generate(draft, prompt, LanguageModelEval.MaxAnswerTokens,
                new SamplingOptions(Temperature: 1.0, Seed: seed * 31 + s), eoa).Generated.ToArray();
        foreach (var style in humanStyles)
            yield return Array.ConvertAll(episode.WithAnswerIn(style, rng).AnswerIds(), i => (long)i);
    }

    /// <summary>The target's final-norm states [n, d] after reading each of the <paramref name="continuation"/>'s tokens
    /// (one full forward over prompt + continuation).</summary>
    public static Tensor TargetStates(TransformerLM target, long[] prompt, long[] continuation) =>
        TargetPass(target, prompt, continuation).States;

    /// <summary>One target forward over prompt + continuation: the final-norm states after reading each continuation
    /// token [n, d], and for each token whether it is the target's greedy choice given everything before it.</summary>
    public static (Tensor States, bool[] Matches) TargetPass(TransformerLM target, long[] prompt, long[] continuation)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(prompt.Concat(continuation).ToArray()).unsqueeze(0);
        var normed = target.FinalNorm(target.RunLayers(target.Embed(ids), 0, target.Config.Layers))[0];
        var choice = target.Project(normed.narrow(0, prompt.Length - 1, continuation.Length)).argmax(-1).data<long>().ToArray();
        var states = normed.narrow(0, prompt.Length, continuation.Length).clone().MoveToOuterDisposeScope();
        return (states, continuation.Select((t, i) => choice[i] == t).ToArray());
    }
}
