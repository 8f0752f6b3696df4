using static Workbench.Data.Language.PhraseBuilder;

namespace Workbench.Data.Language;

/// <summary>The answer grammar: every valid answer to a question about a scene, as one phrase tree.
/// answer := opener form "." "&lt;eoa&gt;"; each question kind has three forms (options in A, B, C preference order).</summary>
internal static class AnswerForms
{
    /// <summary>The answers to <paramref name="q"/> about <paramref name="s"/>.</summary>
    public static Phrase Build(Scene s, Question q)
    {
        var obj = Copy(s.Object);
        var form = q.Kind switch
        {
            QuestionKind.Lookup => Lookup(s.CountOf(q.Names[0]), q.Names[0], obj),
            QuestionKind.Sum => Sum(q.Names[0], s.CountOf(q.Names[0]), q.Names[1], s.CountOf(q.Names[1]), obj),
            QuestionKind.Difference => Difference(q.Names[0], s.CountOf(q.Names[0]), q.Names[1], s.CountOf(q.Names[1]), obj),
            QuestionKind.Compare => Compare(q.Names[0], s.CountOf(q.Names[0]), q.Names[1], s.CountOf(q.Names[1]), q.Fewer, obj),
            QuestionKind.List => List(s.Facts.Where(f => f.Count > q.Threshold).Select(f => f.Name).ToArray(), q.Threshold, obj),
            _ => throw new ArgumentOutOfRangeException(nameof(q), q.Kind, "unknown question kind"),
        };
        return Seq(Opener, form, T("."), T(Text.WordTokenizer.EndOfAnswer));
    }

    // "alice has 7 apples" | "the answer is 7" | "7 apples"
    static Phrase Lookup(int x, string name, Phrase obj) => Choose("form",
        Seq(Copy(name), Verb, M(x), obj),
        Seq(AnswerIs, M(x)),
        Seq(M(x), obj));

    // "alice and bob have 8 apples in total" | "3 plus 5 is 8" | "the answer is 8"
    static Phrase Sum(string a, int x, string b, int y, Phrase obj) => Choose("form",
        Seq(EitherOrder("order", Copy(a), T("and"), Copy(b)), VerbPlural, M(x + y), obj, Total),
        Seq(EitherOrder("order", M(x), T("plus"), M(y)), Is, M(x + y)),
        Seq(AnswerIs, M(x + y)));

    // "alice has 4 more apples than bob" | "7 minus 3 is 4" | "the answer is 4"   (x >= y by construction)
    static Phrase Difference(string a, int x, string b, int y, Phrase obj) => Choose("form",
        Seq(Copy(a), Verb, M(x - y), T("more"), obj, T("than"), Copy(b)),
        Seq(M(x), T("minus"), M(y), Is, M(x - y)),
        Seq(AnswerIs, M(x - y)));

    // "alice has more apples than bob" | "it is alice" | "alice has 7 and bob has 3 , so alice has more"
    static Phrase Compare(string a, int x, string b, int y, bool fewer, Phrase obj)
    {
        var winner = (x < y) == fewer ? a : b;
        var loser = winner == a ? b : a;
        var more = Copy(fewer ? "fewer" : "more");
        return Choose("form",
            Seq(M(winner), Verb, more, obj, T("than"), Copy(loser)),
            Seq(AnswerIs, M(winner)),
            Seq(EitherOrder("order", Seq(Copy(a), Verb, M(x)), T("and"), Seq(Copy(b), Verb, M(y))),
                T(",", "so"), M(winner), Verb, more));
    }

    // "[ alice , carol ]" | "the answer is [ alice , carol ]" | "those with more than 5 apples are [ alice , carol ]"
    static Phrase List(string[] members, int threshold, Phrase obj)
    {
        var list = Seq(T("["), Choose("order", Orders(members).Select(Items).ToArray()), T("]"));
        return Choose("form",
            list,
            Seq(AnswerIs, list),
            Seq(S("those"), T("with", "more", "than"), Copy(threshold), obj, T("are"), list));
    }

    static Phrase Items(IReadOnlyList<string> names) =>
        Seq(names.SelectMany((n, i) => i == 0 ? new[] { M(n) } : [T(","), M(n)]).ToArray());

    // Every order of the list; preference order: as in the context (A), reversed (B), then the rest (C prefers the
    // first of those).
    static IEnumerable<IReadOnlyList<string>> Orders(string[] members)
    {
        if (members.Length <= 1) return [members];
        var context = members.ToList();
        var reversed = members.Reverse().ToList();
        return new[] { context, reversed }.Concat(Permutations(members)
            .Where(p => !p.SequenceEqual(context) && !p.SequenceEqual(reversed)));
    }

    static IEnumerable<List<string>> Permutations(IReadOnlyList<string> items) => items.Count == 0 ? [[]]
        : items.SelectMany((x, i) => Permutations(items.Where((_, j) => j != i).ToList()).Select(rest => new List<string> { x }.Concat(rest).ToList()));

    static Phrase Opener => Choose("opener", Seq(), Seq(S("ok"), T(",")), Seq(S("well"), T(",")));
    static Phrase Verb => Choose("verb", S("has"), S("owns"), S("holds"));
    static Phrase VerbPlural => Choose("verb", S("have"), S("own"), S("hold"));
    static Phrase Is => Choose("is", S("is"), S("makes"), S("equals"));
    static Phrase Total => Choose("total", Seq(S("in"), T("total")), S("altogether"), S("combined"));
    static Phrase AnswerIs => Choose("answer-is", Seq(S("the"), T("answer", "is")), Seq(S("it"), T("is")), Seq(S("that"), T("is")));
}
