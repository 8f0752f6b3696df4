using Workbench.Data.Language;
using Workbench.Decoding;
using Workbench.Models.Transformer;
using Workbench.Progress;
using static TorchSharp.torch;

namespace Workbench.Training;

/// <summary>How well a language model does on held-out episodes of the synthetic language.</summary>
/// <param name="Accuracy">Greedy answers that are exactly a valid answer (meaning slots right), 0..1.</param>
/// <param name="AnswerLoss">Mean next-token loss (nats) on answer tokens of the episodes' own answers.</param>
/// <param name="Episodes">Episodes evaluated.</param>
/// <param name="Score">Accuracy per question kind.</param>
public sealed record LanguageModelScore(double Accuracy, double AnswerLoss, int Episodes, TaskScore Score);

/// <summary>Evaluates language models on the synthetic language (task accuracy of greedy answers, answer loss).</summary>
public static class LanguageModelEval
{
    /// <summary>Longest answer generated before giving up (valid answers are at most about 20 tokens).</summary>
    public const int MaxAnswerTokens = 24;

    /// <summary>Greedy answers for each episode's prompt (stopping at end-of-answer).</summary>
    public static IReadOnlyList<IReadOnlyList<int>> GreedyAnswers(TransformerLM model, IReadOnlyList<Episode> episodes)
    {
        var answers = new List<IReadOnlyList<int>>(episodes.Count);
        using var progress = ProgressTask.Start("greedy answers", episodes.Count);
        foreach (var e in episodes)
        {
            var prompt = e.PromptIds().Select(i => (long)i).ToArray();
            var g = Autoregressive.Generate(model, prompt, MaxAnswerTokens, eos: Lexicon.Tokenizer.EndOfAnswerId);
            answers.Add(g.Generated.Select(i => (int)i).ToList());
            progress.Advance();
        }
        return answers;
    }

    /// <summary>Task accuracy and answer loss on <paramref name="episodes"/>.</summary>
    public static LanguageModelScore Evaluate(TransformerLM model, IReadOnlyList<Episode> episodes)
    {
        var score = AnswerChecker.TaskAccuracy(episodes, GreedyAnswers(model, episodes));
        return new LanguageModelScore(score.Accuracy, AnswerLoss(model, episodes), episodes.Count, score);
    }

    /// <summary>Mean cross-entropy (nats) of the model on the answer tokens of the episodes' own answers.</summary>
    public static double AnswerLoss(TransformerLM model, IReadOnlyList<Episode> episodes)
    {
        using var _ = no_grad();
        double total = 0;
        long count = 0;
        foreach (var e in episodes)
        {
            using var scope = NewDisposeScope();
            var ids = e.Ids();
            int promptLength = e.Prompt.Count;
            var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))[0]; // [T, V]
            var logProbs = logits.log_softmax(-1);
            for (int t = promptLength; t < ids.Length; t++) total -= logProbs[t - 1, ids[t]].item<float>();
            count += ids.Length - promptLength;
        }
        return total / Math.Max(1, count);
    }
}
