using Workbench.Data.Language;
using static Workbench.Data.Language.TokenVerdict;

namespace Workbench.Tests.Language;

public class AnswerCheckerTests
{
    const string Facts = "<bos> alice has 3 apples . bob owns 5 apples . carol holds 9 apples . ";

    static AnswerChecker Checker(string question) => AnswerChecker.ForPrompt(Facts + question + " <ans>");

    static string Labels(AnswerCheck c) => string.Concat(c.Verdicts.Select(v => v switch { Valid => 'v', Invalid => 'x', _ => '-' }));

    [Fact]
    public void HandCheckedSumAnswers()
    {
        var sum = Checker("how many apples do alice and bob have together ?");
        Assert.Equal((QuestionKind.Sum, "apples: alice=3 bob=5 carol=9"), (sum.Question.Kind, sum.Scene.ToString()));

        var reordered = sum.Check("bob and alice have 8 apples altogether . <eoa>");
        Assert.True(reordered.Correct);
        Assert.Equal("vvvvvvvvv", Labels(reordered));
        Assert.Equal([SlotKind.Copy, SlotKind.Template, SlotKind.Copy, SlotKind.Surface, SlotKind.Meaning, SlotKind.Copy,
            SlotKind.Surface, SlotKind.Template, SlotKind.Template], reordered.Kinds);
        Assert.Equal([4], reordered.MeaningSlots);

        var wrongSum = sum.Check("alice and bob have 9 apples in total . <eoa>");
        Assert.Equal("vvvvxxxxxx", Labels(wrongSum));
        Assert.Equal((4, SlotKind.Meaning, false), (wrongSum.FirstInvalid, wrongSum.Kinds[4], wrongSum.Correct));
        Assert.Equal(1, wrongSum.Choices[4]); // only "8" was valid there

        Assert.True(sum.Check("ok , 5 plus 3 equals 8 . <eoa>").Correct);
        var wrongOperand = sum.Check("3 plus 9 is 12 . <eoa>");
        Assert.Equal((2, "vvxxxxx"), (wrongOperand.FirstInvalid, Labels(wrongOperand)));
        Assert.Equal(SlotKind.Meaning, wrongOperand.Kinds[2]);

        var wrongForm = sum.Check("the answer is 8 apples . <eoa>");
        Assert.Equal((4, SlotKind.Template), (wrongForm.FirstInvalid, wrongForm.Kinds[4])); // "." was expected
        var wrongStart = sum.Check("8 apples . <eoa>");
        Assert.Equal((0, SlotKind.Meaning), (wrongStart.FirstInvalid, wrongStart.Kinds[0])); // 3 or 5 could start "3 plus 5"

        var truncated = sum.Check("alice and bob");
        Assert.Equal((true, false, -1, "vvv"), (truncated.Incomplete, truncated.Correct, truncated.FirstInvalid, Labels(truncated)));

        var runOn = sum.Check("that is 8 . <eoa> <bos> alice");
        Assert.Equal((true, "vvvvv--", 5), (runOn.Correct, Labels(runOn), runOn.AnswerLength));
        Assert.Equal("vvvx", Labels(sum.Check("that is 8 <eoa>"))); // the end marker before "." is an error
    }

    [Fact]
    public void HandCheckedCompareDifferenceAndLookupAnswers()
    {
        var more = Checker("who has more apples , alice or bob ?");
        Assert.True(more.Check("bob has more apples than alice . <eoa>").Correct);
        Assert.True(more.Check("well , alice holds 3 and bob has 5 , so bob owns more . <eoa>").Correct);
        Assert.True(more.Check("it is bob . <eoa>").Correct);
        // "alice" can still start the worked form ("alice has 3 and …"): the error shows at "more".
        var wrong = more.Check("alice has more apples than bob . <eoa>");
        Assert.Equal((2, "vvxxxxxx", SlotKind.Meaning), (wrong.FirstInvalid, Labels(wrong), wrong.Kinds[2]));
        Assert.Equal(5, more.Check("bob has more apples than carol").FirstInvalid); // the loser is copied from the question

        var fewer = Checker("who holds fewer apples , bob or alice ?");
        Assert.True(fewer.Check("alice has fewer apples than bob . <eoa>").Correct);
        Assert.Equal(2, fewer.Check("alice has more apples than bob . <eoa>").FirstInvalid); // "fewer" is copied

        var diff = Checker("how many more apples does carol own than alice ?");
        Assert.True(diff.Check("carol has 6 more apples than alice . <eoa>").Correct);
        Assert.True(diff.Check("9 minus 3 makes 6 . <eoa>").Correct);
        Assert.Equal(0, diff.Check("3 minus 9 is 6 . <eoa>").FirstInvalid); // no commutative order here
        Assert.Equal(4, diff.Check("9 minus 3 is 5 . <eoa>").FirstInvalid);

        var lookup = Checker("how many apples does bob have ?");
        Assert.True(lookup.Check("5 apples . <eoa>").Correct);
        Assert.True(lookup.Check("ok , bob holds 5 apples . <eoa>").Correct);
        var wrongCount = lookup.Check("ok , bob holds 3 apples . <eoa>");
        Assert.Equal((4, SlotKind.Meaning), (wrongCount.FirstInvalid, wrongCount.Kinds[4]));
        Assert.Equal(3, lookup.Check("5 apples . .").FirstInvalid); // one "." only, then the end marker
    }

    [Fact]
    public void HandCheckedListAnswersCloseDeterministically()
    {
        var list = Checker("who has more than 4 apples ?");
        Assert.True(list.Check("[ bob , carol ] . <eoa>").Correct);
        Assert.True(list.Check("the answer is [ carol , bob ] . <eoa>").Correct);
        Assert.True(list.Check("well , those with more than 4 apples are [ carol , bob ] . <eoa>").Correct);

        var c = list.Check("[ bob , carol ] . <eoa>");
        Assert.Equal([7, 2, 1, 1, 1, 1, 1], c.Choices); // 7 ways to start, then bob or carol, then the rest is forced
        Assert.Equal([SlotKind.Template, SlotKind.Meaning, SlotKind.Template, SlotKind.Meaning, SlotKind.Template, SlotKind.Template, SlotKind.Template], c.Kinds);

        var early = list.Check("[ bob ] . <eoa>");           // closed before carol
        Assert.Equal((2, "vvxxx"), (early.FirstInvalid, Labels(early)));
        var intruder = list.Check("[ alice , bob ] . <eoa>"); // alice has 3, not more than 4
        Assert.Equal((1, SlotKind.Meaning), (intruder.FirstInvalid, intruder.Kinds[1]));
        Assert.Equal(3, list.Check("[ bob , bob ] . <eoa>").FirstInvalid);
        Assert.Equal(4, list.Check("those with more than 5").FirstInvalid); // the threshold is copied from the question
    }

    [Fact]
    public void AcceptsEveryEnumeratedAnswerInEveryStyle()
    {
        foreach (var style in Enum.GetValues<Style>())
            foreach (var e in CorpusSampler.HeldOutEpisodes(style, 21, 60))
            {
                var checker = AnswerChecker.ForPrompt(e.PromptIds()); // parsed from the prompt's ids alone
                Assert.Equal((e.Scene, e.Question), (checker.Scene, checker.Question));
                var truth = AnswerSpace.Of(e.Scene, e.Question);  // enumerated from the true facts
                Assert.Equal(truth.Count, checker.Space.Count);
                foreach (var answer in truth.Answers)
                {
                    var c = checker.Check(answer.Select(t => t.Word).ToArray());
                    Assert.True(c.Correct && c.Verdicts.All(v => v == Valid), $"{e.PromptText} | {c}");
                }
            }
    }

    [Fact]
    public void RejectsACorruptedNumberOrNameAtExactlyTheCorruptedToken()
    {
        var corrupted = 0;
        foreach (var style in Enum.GetValues<Style>())
            foreach (var e in new CorpusSampler(style, 22).NextEpisodes(150))
            {
                var checker = AnswerChecker.For(e);
                // Values that can appear in no valid answer: a number that is no count, result or threshold of this
                // episode; a name that is not in the context.
                var f = e.Scene.Facts.Select(x => x.Count).ToList();
                var used = new HashSet<int>(f.Concat(from x in f from y in f select x + y).Concat(from x in f from y in f select x - y)) { e.Question.Threshold };
                var foreignNumber = Lexicon.Number(Enumerable.Range(0, 41).First(n => !used.Contains(n)));
                var foreignName = Lexicon.Names.First(n => !e.Scene.Mentions(n));
                var words = e.AnswerWords;
                for (var i = 0; i < words.Count; i++)
                {
                    string? replacement = Lexicon.NumberValue(words[i]) != null ? foreignNumber : Lexicon.IsName(words[i]) ? foreignName : null;
                    if (replacement == null) continue;
                    var bad = words.ToArray();
                    bad[i] = replacement;
                    var c = checker.Check(bad);
                    Assert.Equal(i, c.FirstInvalid);
                    Assert.False(c.Correct);
                    Assert.All(Enumerable.Range(0, words.Count), k => Assert.Equal(k < i ? Valid : Invalid, c.Verdicts[k]));
                    corrupted++;
                }
            }
        Assert.True(corrupted > 900, $"only {corrupted} corruptions tried");
    }

    [Fact]
    public void OnceInvalidEverythingAfterIsInvalid()
    {
        var rng = new LanguageRandom(8);
        var words = Lexicon.Tokenizer.Words;
        foreach (var e in new CorpusSampler(Style.B, 23).NextEpisodes(200))
        {
            var checker = AnswerChecker.For(e);
            // A valid prefix of random length followed by random vocabulary words.
            var cut = rng.Next(0, e.Answer.Count - 1);
            var continuation = e.AnswerWords.Take(cut).Concat(Enumerable.Range(0, 6).Select(_ => words[rng.Next(words.Count)])).ToArray();
            var c = checker.Check(continuation);
            Assert.True(c.FirstInvalid is -1 || c.FirstInvalid >= cut);
            for (var i = 0; i < continuation.Length; i++)
            {
                var prefixValid = checker.Space.IsValidPrefix(continuation[..(i + 1)]);
                if (c.Verdicts[i] != AfterAnswer) Assert.Equal(prefixValid, c.Verdicts[i] == Valid);
            }
        }
    }

    [Fact]
    public void IdsAndWordsGiveTheSameVerdicts()
    {
        var e = new CorpusSampler(Style.A, 24).NextEpisode();
        var checker = AnswerChecker.ForPrompt(e.PromptIds());
        Assert.Equal(checker.Check(e.AnswerWords).Verdicts, checker.Check(e.AnswerIds()).Verdicts);
        Assert.True(checker.IsCorrect(e.AnswerIds()));
        var pad = checker.Check([Lexicon.Tokenizer.PadId]);
        Assert.Equal(0, pad.FirstInvalid);
        Assert.Contains("title=\"first invalid", checker.Check([Lexicon.Tokenizer.PadId]).ToTokenStrip().ToHtml());
    }

    [Fact]
    public void TaskAccuracyCountsExactlyValidAnswersPerKind()
    {
        var episodes = CorpusSampler.HeldOutEpisodes(Style.A, 25, 100);
        var own = episodes.Select(e => (IReadOnlyList<int>)e.AnswerIds()).ToList();
        Assert.Equal(1.0, AnswerChecker.TaskAccuracy(episodes, own).Accuracy);

        // Break every other answer by dropping its final "." (the end marker then comes too early).
        var mixed = own.Select((ids, i) => i % 2 == 0 ? ids : (IReadOnlyList<int>)[.. ids.Take(ids.Count - 2), ids[^1]]).ToList();
        var score = AnswerChecker.TaskAccuracy(episodes.Select((e, i) => ((IReadOnlyList<int>)e.PromptIds(), mixed[i])));
        Assert.Equal((50, 100, 0.5), (score.Correct, score.Total, score.Accuracy));
        Assert.Equal(100, score.ByKind.Values.Sum(v => v.Total));
        foreach (var kind in Enum.GetValues<QuestionKind>())
            Assert.Equal(episodes.Where((e, i) => e.Question.Kind == kind && i % 2 == 0).Count(), score.ByKind[kind].Correct);
    }
}
