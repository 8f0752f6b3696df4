using Workbench.Data.Language;

namespace Workbench.Tests.Language;

public class CorpusSamplerTests
{
    static readonly Workbench.Text.WordTokenizer Tok = Lexicon.Tokenizer;

    [Fact]
    public void TheSameStyleAndSeedGiveTheSameSequences()
    {
        var a = new CorpusSampler(Style.A, 41);
        var b = new CorpusSampler(Style.A, 41);
        for (var i = 0; i < 20; i++) Assert.Equal(a.NextSequence(128).Ids, b.NextSequence(128).Ids);
        Assert.NotEqual(new CorpusSampler(Style.A, 41).NextSequence(128).Ids, new CorpusSampler(Style.A, 42).NextSequence(128).Ids);
        Assert.NotEqual(new CorpusSampler(Style.A, 41).NextSequence(128).Ids, new CorpusSampler(Style.B, 41).NextSequence(128).Ids);
        // Fixed values: the stream does not depend on the runtime's random generator.
        Assert.Equal("<bos> carol owns 10 marbles . peggy owns 15 marbles . dave", Tok.Decode(new CorpusSampler(Style.A, 1).NextSequence(12).Ids));
    }

    [Fact]
    public void SequencesPackWholeEpisodesAndMarkTheAnswers()
    {
        var sampler = new CorpusSampler(Style.B, 43);
        var complete = 0;
        for (var r = 0; r < 20; r++)
        {
            var s = sampler.NextSequence(256);
            Assert.Equal(256, s.Ids.Length);
            Assert.Equal(Tok.BosId, s.Ids[0]);
            Assert.DoesNotContain(Tok.PadId, s.Ids);
            var starts = Enumerable.Range(0, 256).Where(i => s.Ids[i] == Tok.BosId).ToList();
            Assert.Equal(s.Episodes, starts.Count);
            var inAnswer = false;
            for (var i = 0; i < 256; i++)
            {
                Assert.Equal(inAnswer, s.AnswerMask[i]);
                if (s.Ids[i] == Tok.AnswerId) inAnswer = true;
                if (s.Ids[i] == Tok.EndOfAnswerId) inAnswer = false;
                else if (inAnswer && !s.AnswerMask[i]) inAnswer = true;
                if (i + 1 < 256 && s.Ids[i] == Tok.EndOfAnswerId) Assert.Equal(Tok.BosId, s.Ids[i + 1]);
            }
            // Every whole episode in the sequence is a correct answer to its own prompt.
            foreach (var (start, end) in starts.Zip(starts.Skip(1).Append(256)))
            {
                var ids = s.Ids[start..end];
                var marker = Array.IndexOf(ids, Tok.AnswerId);
                if (ids[^1] != Tok.EndOfAnswerId) continue; // the last episode may be cut
                Assert.True(AnswerChecker.ForPrompt(ids[..(marker + 1)]).IsCorrect(ids[(marker + 1)..]));
                complete++;
            }
        }
        Assert.InRange(complete, 100, 140); // about 6 whole episodes of ~40 tokens per 256
    }

    [Fact]
    public void PaddingTheTailCarriesTheEpisodeThatDidNotFitToTheNextSequence()
    {
        var sampler = new CorpusSampler(Style.A, 44);
        var first = sampler.NextSequence(100, padTail: true);
        var second = sampler.NextSequence(100, padTail: true);
        var padAt = Array.IndexOf(first.Ids, Tok.PadId);
        Assert.True(padAt > 0 && first.Ids[padAt - 1] == Tok.EndOfAnswerId && first.Ids[padAt..].All(i => i == Tok.PadId));
        Assert.DoesNotContain(true, first.AnswerMask[padAt..]);
        var reference = new CorpusSampler(Style.A, 44).NextEpisodes(first.Episodes + 1)[^1];
        Assert.Equal(reference.Ids(), second.Ids[..reference.Length]);
    }

    [Fact]
    public void OneEpisodePerRowPadsTheRest()
    {
        var sampler = new CorpusSampler(Style.B, 47);
        var reference = new CorpusSampler(Style.B, 47).NextEpisodes(10);
        for (var r = 0; r < 10; r++)
        {
            var s = sampler.NextSequence(64, maxEpisodes: 1);
            Assert.Equal(1, s.Episodes);
            Assert.Equal(reference[r].Ids(), s.Ids[..reference[r].Length]);
            Assert.All(s.Ids[reference[r].Length..], id => Assert.Equal(Tok.PadId, id));
        }
    }

    [Fact]
    public void BatchesAreRowMajorSequences()
    {
        var batch = new CorpusSampler(Style.C, 45).NextBatch(3, 64);
        var rows = new CorpusSampler(Style.C, 45);
        Assert.Equal((3, 64, 192, 192), (batch.Rows, batch.Length, batch.Ids.Length, batch.AnswerMask.Length));
        for (var r = 0; r < 3; r++)
        {
            var s = rows.NextSequence(64);
            Assert.Equal(s.Ids.Select(i => (long)i), batch.Ids[(r * 64)..((r + 1) * 64)]);
            Assert.Equal(s.AnswerMask, batch.AnswerMask[(r * 64)..((r + 1) * 64)]);
        }
    }

    [Fact]
    public void HeldOutEpisodesNeverAppearInTraining()
    {
        static string Key(Episode e) => e.Scene + "|" + e.Question;
        var training = new CorpusSampler(Style.A, 46).NextEpisodes(5000);
        Assert.DoesNotContain(training, e => CorpusSampler.IsHeldOut(e.Scene, e.Question));
        var heldOut = CorpusSampler.HeldOutEpisodes(Style.A, 46, 300);
        Assert.All(heldOut, e => Assert.True(CorpusSampler.IsHeldOut(e.Scene, e.Question)));
        Assert.Empty(heldOut.Select(Key).Intersect(training.Select(Key)));
        Assert.Equal(300, heldOut.Select(Key).Distinct().Count());
        Assert.Equal(heldOut.Select(e => e.Text), CorpusSampler.HeldOutEpisodes(Style.A, 46, 300).Select(e => e.Text));
        // Held-out content is the same in every style; only the phrasing differs.
        Assert.Equal(heldOut.Select(Key), CorpusSampler.HeldOutEpisodes(Style.C, 46, 300).Select(Key));
    }

    [Fact]
    public void QuestionWeightsSetHowOftenEachKindIsAsked()
    {
        var lookupsOnly = new CorpusSampler(Style.A, 3, new LanguageOptions(QuestionWeights: [1, 0, 0, 0, 0])).NextEpisodes(40);
        Assert.All(lookupsOnly, e => Assert.Equal(QuestionKind.Lookup, e.Question.Kind));
        var mostlyLists = new CorpusSampler(Style.A, 3, new LanguageOptions(QuestionWeights: [1, 0, 0, 0, 3])).NextEpisodes(400);
        int lists = mostlyLists.Count(e => e.Question.Kind == QuestionKind.List);
        Assert.InRange(lists, 260, 340); // 3 in 4 expected
        Assert.Equal(400 - lists, mostlyLists.Count(e => e.Question.Kind == QuestionKind.Lookup));
        // Without weights every kind is asked (the unchanged language).
        Assert.Equal(5, new CorpusSampler(Style.A, 3).NextEpisodes(100).Select(e => e.Question.Kind).Distinct().Count());
        Assert.Contains("5 non-negative weights", Assert.Throws<ArgumentException>(() => new LanguageOptions(QuestionWeights: [1, 2]).Validate()).Message);
        Assert.Throws<ArgumentException>(() => new LanguageOptions(QuestionWeights: [0, 0, 0, 0, 0]).Validate());
        Assert.Throws<ArgumentException>(() => new LanguageOptions(QuestionWeights: [1, -1, 0, 0, 0]).Validate());
    }
}
