using Workbench.Text;

namespace Workbench.Data.Language;

/// <summary>Judges continuations of one prompt: parses the facts and question from the prompt itself, enumerates
/// the valid answers, and labels any continuation token by token (prefix validity) and as a whole (correct when it
/// is exactly a valid answer followed by the end-of-answer token). Build one per prompt and reuse it.</summary>
/// <example><code>
/// var episode = CorpusSampler.HeldOutEpisodes(Style.A, seed: 1, count: 1)[0];
/// var checker = AnswerChecker.ForPrompt(episode.PromptIds());   // facts and question read from the prompt
/// AnswerCheck check = checker.Check(generatedIds);               // per-token verdicts, Correct, MeaningSlots
/// TaskScore score = AnswerChecker.TaskAccuracy(episodes, continuations);
/// </code></example>
public sealed class AnswerChecker
{
    readonly WordTokenizer _tokenizer;

    AnswerChecker(Scene scene, Question question, WordTokenizer tokenizer)
    {
        Space = AnswerSpace.Of(scene, question);
        _tokenizer = tokenizer;
    }

    /// <summary>A checker for a prompt given as words ("[&lt;bos&gt;] facts question &lt;ans&gt;").</summary>
    /// <exception cref="PromptFormatException">The words are not a prompt of the grammar.</exception>
    public static AnswerChecker ForPrompt(IReadOnlyList<string> promptWords)
    {
        var (scene, question) = PromptParser.Parse(promptWords);
        return new AnswerChecker(scene, question, Lexicon.Tokenizer);
    }

    /// <summary>A checker for a prompt given as text.</summary>
    public static AnswerChecker ForPrompt(string promptText) =>
        ForPrompt(promptText.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A checker for a prompt given as token ids of <paramref name="tokenizer"/> (default: the language's).</summary>
    public static AnswerChecker ForPrompt(IEnumerable<int> promptIds, WordTokenizer? tokenizer = null)
    {
        var t = tokenizer ?? Lexicon.Tokenizer;
        var (scene, question) = PromptParser.Parse(t.ToWords(promptIds));
        return new AnswerChecker(scene, question, t);
    }

    /// <summary>A checker for an episode's prompt (parsed from its words, like any other prompt).</summary>
    public static AnswerChecker For(Episode episode) => ForPrompt(episode.Prompt);

    /// <summary>The facts read from the prompt.</summary>
    public Scene Scene => Space.Scene;

    /// <summary>The question read from the prompt.</summary>
    public Question Question => Space.Question;

    /// <summary>The valid answers.</summary>
    public AnswerSpace Space { get; }

    /// <summary>Labels a continuation given as token ids.</summary>
    public AnswerCheck Check(IEnumerable<int> continuationIds) => Check(_tokenizer.ToWords(continuationIds));

    /// <summary>Labels a continuation given as text.</summary>
    public AnswerCheck Check(string continuationText) =>
        Check(continuationText.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Labels a continuation given as words: valid while the prefix can still be completed to a valid
    /// answer; the first erroneous token and everything after it invalid; tokens after a complete answer's
    /// end-of-answer token are AfterAnswer.</summary>
    public AnswerCheck Check(IReadOnlyList<string> words)
    {
        var verdicts = new TokenVerdict[words.Count];
        var kinds = new SlotKind?[words.Count];
        var choices = new int[words.Count];
        var node = Space.Root;
        int firstInvalid = -1, end = -1;
        for (var i = 0; i < words.Count; i++)
        {
            if (end >= 0) { verdicts[i] = TokenVerdict.AfterAnswer; continue; }
            if (firstInvalid >= 0) { verdicts[i] = TokenVerdict.Invalid; continue; }
            choices[i] = node.Children.Count;
            if (node.Children.TryGetValue(words[i], out var next))
            {
                verdicts[i] = TokenVerdict.Valid;
                kinds[i] = next.Kind;
                node = next;
                if (node.IsEnd) end = i;
            }
            else
            {
                verdicts[i] = TokenVerdict.Invalid;
                kinds[i] = node.Children.Values.Max(c => c.Kind); // what was expected here
                firstInvalid = i;
            }
        }
        return new AnswerCheck(words.ToArray(), verdicts, kinds, choices, firstInvalid, end >= 0);
    }

    /// <summary>True when the continuation is exactly a valid answer followed by the end-of-answer token (anything
    /// after that token is ignored).</summary>
    public bool IsCorrect(IEnumerable<int> continuationIds) => Check(continuationIds).Correct;

    /// <summary>True when the continuation (words) is a correct answer.</summary>
    public bool IsCorrect(IReadOnlyList<string> words) => Check(words).Correct;

    /// <summary>Task accuracy of continuations of prompts given as ids (each prompt parsed by the checker).</summary>
    public static TaskScore TaskAccuracy(IEnumerable<(IReadOnlyList<int> PromptIds, IReadOnlyList<int> ContinuationIds)> items,
        WordTokenizer? tokenizer = null) =>
        Score(items.Select(it =>
        {
            var checker = ForPrompt(it.PromptIds, tokenizer);
            return (checker.Question.Kind, checker.Check(it.ContinuationIds).Correct);
        }));

    /// <summary>Task accuracy of one continuation (ids) per episode, in order.</summary>
    public static TaskScore TaskAccuracy(IReadOnlyList<Episode> episodes, IReadOnlyList<IReadOnlyList<int>> continuations,
        WordTokenizer? tokenizer = null)
    {
        if (episodes.Count != continuations.Count)
            throw new ArgumentException($"{episodes.Count} episodes but {continuations.Count} continuations");
        var t = tokenizer ?? Lexicon.Tokenizer;
        return Score(episodes.Select((e, i) => (e.Question.Kind, For(e).Check(t.ToWords(continuations[i])).Correct)));
    }

    static TaskScore Score(IEnumerable<(QuestionKind Kind, bool Correct)> results)
    {
        var byKind = new Dictionary<QuestionKind, (int Correct, int Total)>();
        int correct = 0, total = 0;
        foreach (var (kind, ok) in results)
        {
            var c = byKind.GetValueOrDefault(kind);
            byKind[kind] = (c.Correct + (ok ? 1 : 0), c.Total + 1);
            correct += ok ? 1 : 0;
            total++;
        }
        return new TaskScore(correct, total, byKind);
    }
}
