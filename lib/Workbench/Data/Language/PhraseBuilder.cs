namespace Workbench.Data.Language;

/// <summary>Short constructors so the grammar files read like the grammar.</summary>
internal static class PhraseBuilder
{
    /// <summary>Fixed template words.</summary>
    public static Phrase T(params string[] words) => new Words(words.Select(w => new AnswerToken(w, SlotKind.Template)).ToArray());

    /// <summary>A word that expresses a free stylistic choice.</summary>
    public static Phrase S(string word) => new Words([new AnswerToken(word, SlotKind.Surface)]);

    /// <summary>A word copied from the prompt.</summary>
    public static Phrase Copy(string word) => new Words([new AnswerToken(word, SlotKind.Copy)]);

    /// <summary>A number copied from the prompt.</summary>
    public static Phrase Copy(int n) => Copy(Lexicon.Number(n));

    /// <summary>A meaning slot: a value derived from the facts.</summary>
    public static Phrase M(string word) => new Words([new AnswerToken(word, SlotKind.Meaning)]);

    /// <summary>A meaning slot holding a number.</summary>
    public static Phrase M(int n) => M(Lexicon.Number(n));

    /// <summary>Parts in order.</summary>
    public static Phrase Seq(params Phrase[] parts) => new Sequence(parts);

    /// <summary>A choice point; options in style-preference order (A, B, C).</summary>
    public static Phrase Choose(string point, params Phrase[] options) => new Choice(point, options);

    /// <summary>A commutative pair: "first joiner second" or "second joiner first".</summary>
    public static Phrase EitherOrder(string point, Phrase first, Phrase joiner, Phrase second) =>
        Choose(point, Seq(first, joiner, second), Seq(second, joiner, first));
}
