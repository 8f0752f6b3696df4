using Workbench.Viz;

namespace Workbench.Data.Language;

/// <summary>The checker's label for one continuation token.</summary>
public enum TokenVerdict
{
    /// <summary>The answer so far can still be completed to a valid answer.</summary>
    Valid,
    /// <summary>The first erroneous token, or any token after it.</summary>
    Invalid,
    /// <summary>After the end-of-answer token of a complete answer: not part of the answer.</summary>
    AfterAnswer,
}

/// <summary>The checker's verdict on one continuation of a prompt: a label per token (prefix validity) and whether
/// the whole answer is correct.</summary>
/// <param name="Words">The continuation's words.</param>
/// <param name="Verdicts">Per token: valid while the prefix through it can still be completed to a valid answer;
/// the first erroneous token and everything after it invalid; after a complete answer, AfterAnswer.</param>
/// <param name="Kinds">Per token up to and including the first invalid one: the role of the word at that position
/// (for the first invalid token, the role of the words that were valid there, e.g. Meaning when a number was
/// expected); null after.</param>
/// <param name="Choices">Per token up to and including the first invalid one: how many different words were valid
/// at that position (1 = a deterministic span); 0 after.</param>
/// <param name="FirstInvalid">Index of the first erroneous token, or -1.</param>
/// <param name="Complete">True when the continuation reached the end-of-answer token with every token valid.</param>
public sealed record AnswerCheck(IReadOnlyList<string> Words, IReadOnlyList<TokenVerdict> Verdicts,
    IReadOnlyList<SlotKind?> Kinds, IReadOnlyList<int> Choices, int FirstInvalid, bool Complete)
{
    /// <summary>The whole answer is correct: exactly a valid answer followed by the end-of-answer token.</summary>
    public bool Correct => Complete;

    /// <summary>All tokens valid but the end-of-answer token not reached yet (e.g. a draft block mid-answer).</summary>
    public bool Incomplete => FirstInvalid < 0 && !Complete;

    /// <summary>Tokens of the answer, through the end-of-answer token when it was reached.</summary>
    public int AnswerLength => Verdicts.Count(v => v != TokenVerdict.AfterAnswer);

    /// <summary>Number of leading valid tokens.</summary>
    public int ValidPrefixLength => FirstInvalid < 0 ? AnswerLength : FirstInvalid;

    /// <summary>True when token <paramref name="i"/> is valid.</summary>
    public bool IsValid(int i) => Verdicts[i] == TokenVerdict.Valid;

    /// <summary>Indices of the answer tokens that are meaning slots (counts, results, winners, list members).</summary>
    public IEnumerable<int> MeaningSlots => Enumerable.Range(0, Kinds.Count).Where(i => Kinds[i] == SlotKind.Meaning);

    /// <summary>The continuation with verdict colours (green valid, red invalid, grey after the answer); meaning
    /// slots have a blue border; hover shows the role and how many words were valid there.</summary>
    public TokenStrip ToTokenStrip(string? title = null)
    {
        var strip = new TokenStrip(title);
        for (var i = 0; i < Words.Count; i++)
        {
            var (color, label) = Verdicts[i] switch
            {
                TokenVerdict.Valid => ("#c8e6c9", "valid"),
                TokenVerdict.Invalid => ("#ffcdd2", i == FirstInvalid ? "first invalid" : "invalid"),
                _ => ("#eeeeee", "after the answer"),
            };
            var hover = Kinds[i] is { } k ? $"{label} · {k.ToString().ToLowerInvariant()} · {Choices[i]} valid word(s) here" : label;
            strip.Add(new TokenChip(Words[i], color, hover, Border: Kinds[i] == SlotKind.Meaning ? "#1565c0" : null));
        }
        return strip.Legend("valid", "#c8e6c9").Legend("invalid", "#ffcdd2").Legend("meaning slot (border)", "#1565c0");
    }

    /// <summary>One line: the verdict and the words, the first invalid one marked.</summary>
    public override string ToString() =>
        $"{(Correct ? "correct" : FirstInvalid >= 0 ? $"invalid at {FirstInvalid}" : "incomplete")}: "
        + string.Join(' ', Words.Select((w, i) => i == FirstInvalid ? $"[{w}]" : w));
}

/// <summary>Task accuracy over many episodes: the fraction of answers that are exactly valid, overall and per
/// question kind.</summary>
/// <param name="Correct">Correct answers.</param>
/// <param name="Total">Answers judged.</param>
/// <param name="ByKind">(correct, total) per question kind.</param>
public sealed record TaskScore(int Correct, int Total, IReadOnlyDictionary<QuestionKind, (int Correct, int Total)> ByKind)
{
    /// <summary>Correct / Total (0 when nothing was judged).</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Accuracy for one question kind (NaN when none was judged).</summary>
    public double AccuracyOf(QuestionKind kind) =>
        ByKind.TryGetValue(kind, out var c) && c.Total > 0 ? (double)c.Correct / c.Total : double.NaN;

    /// <summary>One line, e.g. <c>87.5% (175/200); Lookup 100%, Sum 70% …</c>.</summary>
    public override string ToString() =>
        $"{Accuracy:P1} ({Correct}/{Total}); " + string.Join(", ", ByKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {(double)k.Value.Correct / k.Value.Total:P0}"));
}
