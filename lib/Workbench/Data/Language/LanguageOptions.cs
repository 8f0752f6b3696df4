namespace Workbench.Data.Language;

/// <summary>Sizes and preference strengths of the synthetic language. The defaults are the language; change them
/// only for experiments about the language itself (the vocabulary does not depend on them).</summary>
/// <param name="MinPeople">Fewest facts (people) in a context.</param>
/// <param name="MaxPeople">Most facts in a context (at most 6: list answers have up to MaxPeople-1 names, in any order).</param>
/// <param name="MaxCount">Largest count in a fact (at most 20, so sums stay within the number words 0..40).</param>
/// <param name="AnswerPreference">Probability of a style's preferred form at each answer choice point.</param>
/// <param name="PromptPreference">Probability of a style's preferred form in context and question phrasing (mild).</param>
/// <param name="QuestionWeights">Relative frequency of each question kind, in <see cref="QuestionKind"/> order (null:
/// uniform, drawn exactly as the language always has, so a corpus without weights is unchanged). For curricula, e.g.
/// more lookups while a model learns to read a count from its context.</param>
public sealed record LanguageOptions(int MinPeople = 3, int MaxPeople = 5, int MaxCount = 20,
    double AnswerPreference = 0.7, double PromptPreference = 0.5, IReadOnlyList<double>? QuestionWeights = null)
{
    /// <summary>The language as designed.</summary>
    public static LanguageOptions Default { get; } = new();

    /// <summary>How many question kinds there are (the length of <see cref="QuestionWeights"/>).</summary>
    public static int QuestionKinds { get; } = Enum.GetValues<QuestionKind>().Length;

    /// <summary>Throws one line naming the first setting out of range.</summary>
    public LanguageOptions Validate()
    {
        if (MinPeople < 2 || MaxPeople > 6 || MinPeople > MaxPeople)
            throw new ArgumentException($"people per context must satisfy 2 <= MinPeople <= MaxPeople <= 6, got {MinPeople}..{MaxPeople}");
        if (MaxCount < 1 || MaxCount > Lexicon.MaxFactCount)
            throw new ArgumentException($"MaxCount must be in 1..{Lexicon.MaxFactCount}, got {MaxCount}");
        if (AnswerPreference is <= 0 or >= 1 || PromptPreference is <= 0 or >= 1)
            throw new ArgumentException($"preferences must be in (0, 1) so every form stays possible, got {AnswerPreference} and {PromptPreference}");
        if (QuestionWeights is { } w && (w.Count != QuestionKinds || w.Any(x => !(x >= 0)) || w.Sum() <= 0))
            throw new ArgumentException($"QuestionWeights needs {QuestionKinds} non-negative weights (one per question kind) with a positive sum, got [{string.Join(", ", w)}]");
        return this;
    }
}
