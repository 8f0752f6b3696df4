using Workbench.Data.Language;

namespace Workbench.Tests.Language;

public class StyleTests
{
    static readonly Dictionary<Style, IReadOnlyList<Episode>> Corpora =
        Enum.GetValues<Style>().ToDictionary(s => s, s => new CorpusSampler(s, 31).NextEpisodes(3000));

    static double Share(IEnumerable<string> words, string word, params string[] among)
    {
        var w = words.Where(among.Contains).ToList();
        return (double)w.Count(x => x == word) / w.Count;
    }

    [Theory]
    [InlineData(Style.A, "has", "")]
    [InlineData(Style.B, "owns", "ok")]
    [InlineData(Style.C, "holds", "well")]
    public void EachStylePrefersItsOwnSurfaceFormsButUsesAllOfThem(Style style, string verb, string opener)
    {
        var answers = Corpora[style].Select(e => e.AnswerWords).ToList();
        string[] verbs = ["has", "owns", "holds"];
        var answerWords = answers.SelectMany(a => a).ToList();
        foreach (var v in verbs)
            Assert.InRange(Share(answerWords, v, verbs), v == verb ? 0.64 : 0.10, v == verb ? 0.76 : 0.20); // ~4 sigma (B: ~600 verbs)

        var openers = answers.Select(a => a[0] is "ok" or "well" ? a[0] : "").ToList();
        foreach (var o in new[] { "", "ok", "well" })
            Assert.InRange(openers.Count(x => x == o) / 3000.0, o == opener ? 0.67 : 0.12, o == opener ? 0.73 : 0.18);

        // The context's phrasing is shaped mildly (p = 0.5), the answers strongly (p = 0.7).
        var factVerbs = Corpora[style].SelectMany(e => e.Prompt.TakeWhile(w => w is not ("how" or "who"))).ToList();
        Assert.InRange(Share(factVerbs, verb, verbs), 0.47, 0.53);
    }

    [Fact]
    public void SumAnswerFormsFollowTheStyle()
    {
        foreach (var (style, expected) in new[] { (Style.A, "names"), (Style.B, "plus"), (Style.C, "answer-is") })
        {
            var forms = Corpora[style].Where(e => e.Question.Kind == QuestionKind.Sum)
                .Select(e => e.AnswerWords.SkipWhile(w => w is "ok" or "well" or ",").First())
                .Select(w => Lexicon.IsName(w) ? "names" : Lexicon.NumberValue(w) != null ? "plus" : "answer-is").ToList();
            Assert.InRange(forms.Count(f => f == expected) / (double)forms.Count, 0.63, 0.77);
        }
    }

    [Fact]
    public void ValidityIsTheSameInEveryStyle()
    {
        for (var i = 0; i < 300; i++)
        {
            var checkers = Enum.GetValues<Style>().Select(s => AnswerChecker.For(Corpora[s][i])).ToList();
            var sets = checkers.Select(c => c.Space.Answers.Select(a => string.Join(' ', a)).ToHashSet()).ToList();
            Assert.True(sets[0].SetEquals(sets[1]) && sets[0].SetEquals(sets[2]));
            // Every style's answer is correct under every style's prompt.
            foreach (var s in Enum.GetValues<Style>())
                Assert.All(checkers, c => Assert.True(c.Check(Corpora[s][i].AnswerWords).Correct));
        }
    }

    static bool Ended(List<string> words) => words.Count > 0 && words[^1] == "<eoa>";

    /// <summary>The language leaves room for Judge Decoding: with exact models of each style (AnswerSpace's
    /// probabilities), greedy verification by a style-A target rejects valid style-C "human" text and style-B drafts
    /// often, while accepting every valid draft token would accept several times as many.</summary>
    [Fact]
    public void PerfectStyleModelsShowTheJudgeDecodingGap()
    {
        const int gamma = 8;
        var rng = new LanguageRandom(5);
        double humanAccepted = 0, humanCalls = 0, standardAccepted = 0, standardCalls = 0, judgeAccepted = 0, judgeCalls = 0;
        foreach (var e in CorpusSampler.HeldOutEpisodes(Style.A, 32, 150))
        {
            var space = AnswerSpace.Of(e.Scene, e.Question);
            string Greedy(IReadOnlyList<string> prefix, Style s) =>
                space.NextWordProbabilities(prefix, s).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;

            // Human text (style C) teacher-forced: each target call accepts the run of tokens matching its greedy choice.
            var human = space.Sample(Style.C, rng).Select(t => t.Word).ToList();
            for (var i = 0; i < human.Count; humanCalls++)
            {
                var k = 0;
                while (i + k < human.Count && Greedy(human.Take(i + k).ToList(), Style.A) == human[i + k]) k++;
                humanAccepted += k;
                i += k + 1;
            }

            // A style-B draft verified by a style-A target: standard greedy rule vs accepting every valid token.
            foreach (var judge in new[] { false, true })
            {
                var text = new List<string>();
                int calls = 0, accepted = 0;
                while (!Ended(text))
                {
                    calls++;
                    var draft = new List<string>(text);
                    for (var g = 0; g < gamma && !Ended(draft); g++) draft.Add(Greedy(draft, Style.B));
                    foreach (var w in draft.Skip(text.Count).ToList())
                    {
                        if (!(judge ? space.IsValidPrefix([.. text, w]) : Greedy(text, Style.A) == w)) break;
                        text.Add(w);
                        accepted++;
                    }
                    if (!Ended(text)) text.Add(Greedy(text, Style.A));
                }
                Assert.True(space.Contains(text));
                if (judge) { judgeAccepted += accepted; judgeCalls += calls; }
                else { standardAccepted += accepted; standardCalls += calls; }
            }
        }
        var (humanRate, standard, judged) = (humanAccepted / humanCalls, standardAccepted / standardCalls, judgeAccepted / judgeCalls);
        Assert.InRange(humanRate, 1.5, 2.8);         // the paper's motivating figure: < 3 for valid human text
        Assert.InRange(standard, 1.2, 2.5);
        Assert.InRange(judged / standard, 3.0, 6.0);
    }
}
