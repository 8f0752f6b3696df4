using static Workbench.Data.Language.PhraseBuilder;

namespace Workbench.Data.Language;

/// <summary>The prompt grammar: "&lt;bos&gt;" facts question "&lt;ans&gt;". Styles shape its phrasing mildly (a verb,
/// a filler); <see cref="PromptParser"/> reads every phrasing back.</summary>
internal static class PromptForms
{
    /// <summary>The prompts that state <paramref name="s"/> and ask <paramref name="q"/>.</summary>
    public static Phrase Build(Scene s, Question q) => Seq(
        T(Text.WordTokenizer.Bos),
        Seq(s.Facts.Select(f => Seq(Copy(f.Name), Verb, Copy(f.Count), Copy(s.Object), T("."))).ToArray()),
        QuestionPhrase(s, q),
        T(Text.WordTokenizer.Answer));

    static Phrase QuestionPhrase(Scene s, Question q) => q.Kind switch
    {
        // how many apples does alice have ?
        QuestionKind.Lookup => Seq(T("how", "many", s.Object, "does", q.Names[0]), VerbPlural, T("?")),
        // how many apples do alice and bob have together ?
        QuestionKind.Sum => Seq(T("how", "many", s.Object, "do", q.Names[0], "and", q.Names[1], "have"),
            Choose("together", T("together"), T("in", "total"), T("combined")), T("?")),
        // how many more apples does alice have than bob ?
        QuestionKind.Difference => Seq(T("how", "many", "more", s.Object, "does", q.Names[0]), VerbPlural, T("than", q.Names[1], "?")),
        // who has more apples , alice or bob ?
        QuestionKind.Compare => Seq(T("who"), Verb, T(q.Fewer ? "fewer" : "more", s.Object, ",", q.Names[0], "or", q.Names[1], "?")),
        // who has more than 5 apples ?
        QuestionKind.List => Seq(T("who"), Verb, T("more", "than", Lexicon.Number(q.Threshold), s.Object, "?")),
        _ => throw new ArgumentOutOfRangeException(nameof(q), q.Kind, "unknown question kind"),
    };

    static Phrase Verb => Choose("verb", T("has"), T("owns"), T("holds"));
    static Phrase VerbPlural => Choose("verb", T("have"), T("own"), T("hold"));
}
