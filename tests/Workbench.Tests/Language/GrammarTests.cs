using System.Text.RegularExpressions;
using Workbench.Data.Language;
using Workbench.Tests.Support;
using Workbench.Text;

namespace Workbench.Tests.Language;

public class GrammarTests
{
    [Fact]
    public void EveryWordTheGrammarProducesIsInTheVocabularyAndEveryWordIsProduced()
    {
        var seen = new HashSet<string>();
        foreach (var style in Enum.GetValues<Style>())
            foreach (var e in new CorpusSampler(style, 1).NextEpisodes(300))
            {
                seen.UnionWith(e.Prompt);
                seen.UnionWith(AnswerSpace.Of(e.Scene, e.Question).Answers.SelectMany(a => a.Select(t => t.Word)));
            }
        Assert.All(seen, w => Assert.True(Lexicon.Tokenizer.Contains(w), $"'{w}' is not in the vocabulary"));
        // Every template and function word is reachable (names, objects and numbers are by construction).
        Assert.Equal([], Lexicon.FunctionWords.Where(w => !seen.Contains(w)));
        Assert.Subset(seen, new HashSet<string> { WordTokenizer.Bos, WordTokenizer.Answer, WordTokenizer.EndOfAnswer });
    }

    [Fact]
    public void EpisodesAreShortAndQuestionKindsAreBalanced()
    {
        var episodes = new CorpusSampler(Style.A, 2).NextEpisodes(5000);
        var lengths = episodes.Select(e => e.Length).ToArray();
        Assert.InRange(lengths.Min(), 28, 30);       // 3 facts, a lookup, "7 apples ."
        Assert.InRange(lengths.Max(), 50, 58);       // 5 facts, a list of 4 names in the longest form
        Assert.InRange(lengths.Average(), 36, 42);
        Assert.InRange(episodes.Average(e => e.Answer.Count), 7, 10);
        foreach (var kind in Enum.GetValues<QuestionKind>())
            Assert.InRange(episodes.Count(e => e.Question.Kind == kind) / 5000.0, 0.17, 0.23);
        Assert.All(episodes, e => Assert.InRange(e.Scene.Facts.Count, 3, 5));
        Assert.All(episodes, e => Assert.All(e.Scene.Facts, f => Assert.InRange(f.Count, 0, 20)));
    }

    [Fact]
    public void AnswerSpacesAreFiniteSmallAndStyleProbabilitiesSumToOne()
    {
        var counts = new List<int>();
        foreach (var e in new CorpusSampler(Style.B, 3).NextEpisodes(400))
        {
            var space = AnswerSpace.Of(e.Scene, e.Question);
            counts.Add(space.Count);
            Assert.Equal(space.Count, space.Answers.Select(a => string.Join(' ', a)).Distinct().Count());
            foreach (var style in Enum.GetValues<Style>())
                Assert.Equal(1.0, space.Answers.Sum(a => space.Probability(a.Select(t => t.Word).ToArray(), style)), 9);
            Assert.True(space.Contains(e.AnswerWords));
        }
        Assert.Equal(15, counts.Min());  // a list of one name: 3 openers x (1 + 3 + 1) forms
        Assert.Equal(360, counts.Max()); // a list of four names: 3 openers x (1 + 3 + 1) forms x 24 orders
    }

    [Fact]
    public void TheSameSeedGivesTheSameContentInEveryStyle()
    {
        var a = new CorpusSampler(Style.A, 9).NextEpisodes(100);
        var b = new CorpusSampler(Style.B, 9).NextEpisodes(100);
        var c = new CorpusSampler(Style.C, 9).NextEpisodes(100);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(a[i].Scene, b[i].Scene);
            Assert.Equal(a[i].Question, c[i].Question);
        }
        Assert.True(Enumerable.Range(0, 100).Count(i => a[i].AnswerText != b[i].AnswerText) > 80);
    }

    [Fact]
    public void TheLanguageExamplesInTheGrammarFileAreWhatTheSamplerProduces()
    {
        var lines = File.ReadAllLines(Path.Combine(Paths.Root, "lib", "Workbench", "Data", "Language", "Grammar.cs"));
        var documented = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var m = Regex.Match(lines[i], @"^// Seed (\d+):$");
            if (!m.Success) continue;
            var seed = long.Parse(m.Groups[1].Value);
            for (var k = 0; k < 3; k++)
            {
                var prompt = Regex.Match(lines[i + 1 + 2 * k], @"^//   ([ABC]): (.*)$");
                var style = Enum.Parse<Style>(prompt.Groups[1].Value);
                var text = prompt.Groups[2].Value + " " + lines[i + 2 + 2 * k]["//      ".Length..];
                Assert.Equal(new CorpusSampler(style, seed).NextEpisode().Text, text);
                documented++;
            }
        }
        Assert.Equal(6, documented);
    }

    [Fact]
    public void HumanAnswersInStyleCCanBeSampledForAnyEpisode()
    {
        var rng = new LanguageRandom(4);
        foreach (var e in CorpusSampler.HeldOutEpisodes(Style.A, 4, 100))
        {
            var human = e.WithAnswerIn(Style.C, rng);
            Assert.Equal(e.Prompt, human.Prompt);
            Assert.True(AnswerChecker.For(e).Check(human.AnswerWords).Correct, human.Text);
        }
    }
}
