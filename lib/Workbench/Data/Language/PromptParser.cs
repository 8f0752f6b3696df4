using Workbench.Text;

namespace Workbench.Data.Language;

/// <summary>A prompt that the grammar cannot have produced. The message is one line naming the word and what was expected.</summary>
public sealed class PromptFormatException(string message) : FormatException(message);

/// <summary>Reads the facts and the question back from a prompt's words, so the checker works on any prompt the
/// grammar produces (in any style) without being told the episode.</summary>
/// <remarks>Accepts "[&lt;bos&gt;] facts question &lt;ans&gt;"; when the prompt holds several episodes (few-shot,
/// packed), the last one is read: everything up to the last &lt;bos&gt; or &lt;eoa&gt; is skipped.</remarks>
public static class PromptParser
{
    static readonly HashSet<string> SingularVerbs = ["has", "owns", "holds"];
    static readonly HashSet<string> PluralVerbs = ["have", "own", "hold"];

    /// <summary>Parses prompt text (words separated by spaces).</summary>
    public static (Scene Scene, Question Question) Parse(string prompt) =>
        Parse(prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Parses prompt token ids.</summary>
    public static (Scene Scene, Question Question) Parse(IEnumerable<int> promptIds, WordTokenizer? tokenizer = null) =>
        Parse((tokenizer ?? Lexicon.Tokenizer).ToWords(promptIds));

    /// <summary>Parses prompt words.</summary>
    public static (Scene Scene, Question Question) Parse(IReadOnlyList<string> words)
    {
        var end = words.Count;
        if (end == 0 || words[end - 1] != WordTokenizer.Answer)
            throw new PromptFormatException($"a prompt must end with the answer marker {WordTokenizer.Answer} (got '{(end == 0 ? "" : words[end - 1])}')");
        var start = 0;
        for (var i = end - 2; i >= 0; i--)
            if (words[i] is WordTokenizer.Bos or WordTokenizer.EndOfAnswer) { start = i + 1; break; }
        var r = new Reader(words, start, end - 1);

        var facts = new List<Fact>();
        string? obj = null;
        while (r.Peek is { } w && Lexicon.IsName(w))
        {
            if (facts.Any(f => f.Name == w)) r.Fail($"'{w}' is stated twice in the context");
            var name = r.Name();
            r.OneOf(SingularVerbs, "a verb (has, owns, holds)");
            var count = r.Number(Lexicon.MaxFactCount);
            var o = r.Object();
            if (obj != null && o != obj) r.Fail($"the context mixes {obj} and {o}; an episode has one kind of object");
            obj = o;
            r.Expect(".");
            facts.Add(new Fact(name, count));
        }
        if (facts.Count == 0) r.Fail("expected a fact (a name) to start the context");
        var scene = new Scene(obj!, facts);

        var question = ReadQuestion(r, scene);
        if (!r.AtEnd) r.Fail($"expected {WordTokenizer.Answer} after the question");
        return (scene, question);
    }

    static Question ReadQuestion(Reader r, Scene scene)
    {
        Question q;
        if (r.Accept("how"))
        {
            r.Expect("many");
            if (r.Accept("more"))
            {   // how many more OBJ does X have than Y ?
                r.Expect(scene.Object); r.Expect("does");
                var a = r.PersonIn(scene);
                r.OneOf(PluralVerbs, "have, own or hold"); r.Expect("than");
                var b = r.PersonIn(scene);
                q = new Question(QuestionKind.Difference, [a, b]);
                if (scene.CountOf(a) < scene.CountOf(b))
                    r.Fail($"{a} ({scene.CountOf(a)}) has fewer than {b} ({scene.CountOf(b)}); the grammar only asks for a non-negative difference");
            }
            else
            {
                r.Expect(scene.Object);
                if (r.Accept("does"))
                {   // how many OBJ does X have ?
                    var a = r.PersonIn(scene);
                    r.OneOf(PluralVerbs, "have, own or hold");
                    q = new Question(QuestionKind.Lookup, [a]);
                }
                else
                {   // how many OBJ do X and Y have together|in total|combined ?
                    r.Expect("do");
                    var a = r.PersonIn(scene);
                    r.Expect("and");
                    var b = r.PersonIn(scene);
                    r.Expect("have");
                    if (r.Accept("in")) r.Expect("total");
                    else r.OneOf(["together", "combined"], "together, in total or combined");
                    q = new Question(QuestionKind.Sum, [a, b]);
                }
            }
        }
        else if (r.Accept("who"))
        {
            r.OneOf(SingularVerbs, "has, owns or holds");
            var comparative = r.OneOf(["more", "fewer"], "more or fewer");
            if (comparative == "more" && r.Accept("than"))
            {   // who has more than T OBJ ?
                var t = r.Number(Lexicon.MaxNumber);
                r.Expect(scene.Object);
                q = new Question(QuestionKind.List, [], Threshold: t);
            }
            else
            {   // who has more|fewer OBJ , X or Y ?
                var fewer = comparative == "fewer";
                r.Expect(scene.Object); r.Expect(",");
                var a = r.PersonIn(scene);
                r.Expect("or");
                var b = r.PersonIn(scene);
                q = new Question(QuestionKind.Compare, [a, b], Fewer: fewer);
                if (scene.CountOf(a) == scene.CountOf(b))
                    r.Fail($"{a} and {b} both have {scene.CountOf(a)}; a comparison needs different counts");
            }
        }
        else throw r.Error("expected a question (how many … or who …)");
        r.Expect("?");
        if (q.Names.Count == 2 && q.Names[0] == q.Names[1]) r.Fail($"the question names {q.Names[0]} twice");
        return q;
    }

    /// <summary>A cursor over the words of one episode's prompt, with errors that name the word.</summary>
    sealed class Reader(IReadOnlyList<string> words, int start, int end)
    {
        int _i = start;

        public bool AtEnd => _i >= end;
        public string? Peek => _i < end ? words[_i] : null;

        public bool Accept(string word)
        {
            if (Peek != word) return false;
            _i++;
            return true;
        }

        public void Expect(string word)
        {
            if (!Accept(word)) Fail($"expected '{word}'");
        }

        public string OneOf(IReadOnlyCollection<string> options, string what)
        {
            if (Peek is { } w && options.Contains(w)) { _i++; return w; }
            throw Error($"expected {what}");
        }

        public string Name()
        {
            if (Peek is { } w && Lexicon.IsName(w)) { _i++; return w; }
            throw Error("expected a name");
        }

        public string PersonIn(Scene scene)
        {
            var name = Name();
            if (!scene.Mentions(name)) { _i--; Fail($"'{name}' is not in the context"); }
            return name;
        }

        public string Object()
        {
            if (Peek is { } w && Lexicon.IsObject(w)) { _i++; return w; }
            throw Error("expected an object (apples, pears, …)");
        }

        public int Number(int max)
        {
            if (Peek is { } w && Lexicon.NumberValue(w) is { } n && n <= max) { _i++; return n; }
            throw Error($"expected a number 0..{max}");
        }

        public void Fail(string what) => throw Error(what);

        public PromptFormatException Error(string what) =>
            new($"prompt word {_i} ('{(_i < end ? words[_i] : _i < words.Count ? words[_i] : "end")}'): {what}");
    }
}
