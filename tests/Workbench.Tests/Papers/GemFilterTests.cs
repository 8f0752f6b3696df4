using Workbench.Data.Haystack;
using Workbench.Papers.GemFilter;
using Workbench.Training;

namespace Workbench.Tests.Papers;

public class GemFilterTests
{
    static readonly Text.WordTokenizer Words = HaystackVocabulary.Tokenizer;

    [Theory]
    [InlineData(64, 0.0)]
    [InlineData(256, 0.5)]
    [InlineData(1024, 1.0)]
    public void HaystackHoldsTheNeedleAtTheAskedDepthAndAsksForItsValue(int n, double depth)
    {
        var h = HaystackGenerator.Make(new HaystackOptions(n, depth, Decoys: 3), seed: 5, index: 2);
        Assert.Equal(n, h.Length);
        Assert.Equal(Words.BosId, h.Prompt[0]);
        // The needle: KEY k VAL v (v one or two value tokens), its start at depth x (body length - needle length).
        Assert.Equal(HaystackVocabulary.KeyMarkerId, h.Prompt[h.NeedleStart]);
        Assert.True(HaystackVocabulary.IsKey(h.Prompt[h.NeedleStart + 1]));
        Assert.Equal(HaystackVocabulary.ValueMarkerId, h.Prompt[h.NeedleStart + 2]);
        Assert.All(h.ValuePositions, p => Assert.True(HaystackVocabulary.IsValue(h.Prompt[p])));
        int body = n - 4;
        Assert.Equal(1 + (int)Math.Round(depth * (body - h.NeedleLength)), h.NeedleStart);
        // The question asks for the needle's key; the answer is its value, then end-of-answer.
        Assert.Equal(new long[] { HaystackVocabulary.QueryMarkerId, h.Key, Words.AnswerId }, h.Prompt[^3..]);
        Assert.Equal(h.ValuePositions.Select(p => h.Prompt[p]).Append(Words.EndOfAnswerId), h.Answer);
        Assert.True(h.IsCorrect(h.Answer) && !h.IsCorrect(h.Answer[1..]));
        // Three decoys with other keys; nothing else in the haystack is a marker, key or value.
        Assert.Equal(3, h.DecoyStarts.Length);
        Assert.All(h.DecoyStarts, s => Assert.NotEqual(h.Key, h.Prompt[s + 1]));
        Assert.Equal(4, h.Prompt.Count(t => t == HaystackVocabulary.KeyMarkerId));
        Assert.Equal(4, h.Prompt.Count(t => t == HaystackVocabulary.ValueMarkerId));
        Assert.Equal(new[] { false, true }, h.Droppable.Distinct().Order());
        Assert.Equal(n - 4, h.Droppable.Count(d => d));
        // Deterministic from (seed, index).
        Assert.Equal(h.Prompt, HaystackGenerator.Make(new HaystackOptions(n, depth, 3), 5, 2).Prompt);
        Assert.NotEqual(h.Prompt, HaystackGenerator.Make(new HaystackOptions(n, depth, 3), 5, 3).Prompt);
    }

    [Fact]
    public void FillerFollowsOneOfTheLastThreeWordsMostOfTheTime()
    {
        var chain = new FillerChain();
        var walk = chain.Walk(3000, Data.Language.LanguageRandom.For(1, 2, 3)).Select(t => (int)t - HaystackVocabulary.FirstFillerId).ToArray();
        Assert.All(walk, w => Assert.InRange(w, 0, HaystackVocabulary.FillerWords - 1));
        bool Follows(int i, int lag) => chain.SuccessorsOf(lag, walk[i - lag]).Contains(walk[i]);
        var steps = Enumerable.Range(3, walk.Length - 3).ToList();
        // 90% of steps follow some lag (plus uniform jumps that land on a successor by chance).
        Assert.InRange(steps.Count(i => Follows(i, 1) || Follows(i, 2) || Follows(i, 3)) / (double)steps.Count, 0.88, 0.97);
        // Each lag alone explains its share (and chance hits of the others): every lag carries information.
        foreach (var lag in new[] { 1, 2, 3 }) Assert.InRange(steps.Count(i => Follows(i, lag)) / (double)steps.Count, 0.25, 0.5);
    }

    [Fact]
    public void TrainingSequencesAnswerEachQuestionWithItsNeedlesValue()
    {
        for (int index = 0; index < 20; index++)
        {
            var s = HaystackGenerator.Training(128, needles: 5, questions: 4, seed: 3, index: index);
            Assert.Equal(128, s.Ids.Length);
            Assert.Equal(128, s.AnswerMask.Length);
            var ids = s.Ids;
            var values = new Dictionary<long, List<long>>();
            int queries = Array.IndexOf(ids, (long)HaystackVocabulary.QueryMarkerId);
            for (int i = 0; i < queries; i++)
                if (ids[i] == HaystackVocabulary.KeyMarkerId)
                    values[ids[i + 1]] = ids.Skip(i + 3).TakeWhile(HaystackVocabulary.IsValue).ToList();
            Assert.Equal(5, values.Count);
            int asked = 0;
            for (int i = queries; i < ids.Length; i++)
            {
                if (ids[i] != HaystackVocabulary.QueryMarkerId) continue;
                asked++;
                var answer = ids.Skip(i + 3).TakeWhile(t => t != Words.EndOfAnswerId).ToList();
                Assert.Equal(values[ids[i + 1]], answer);
                Assert.All(Enumerable.Range(i, 3), p => Assert.False(s.AnswerMask[p]));
                Assert.All(Enumerable.Range(i + 3, answer.Count + 1), p => Assert.True(s.AnswerMask[p]));
            }
            Assert.Equal(4, asked);
            Assert.Equal(s.AnswerMask.Count(m => m), ids.Count(t => t == Words.EndOfAnswerId) + ids.Skip(queries).Count(HaystackVocabulary.IsValue));
        }
    }

    [Fact]
    public void CurriculumRunsShortStagesFirstAndEveryStepHasItsLength()
    {
        var c = new HaystackCurriculum(new HaystackStage[] { new(64, 3, 4), new(256, 2, 2) });
        Assert.Equal(5, c.TotalSteps);
        Assert.Equal(256, c.MaxLength);
        Assert.Equal(3 * 4 * 64 + 2 * 2 * 256, c.Tokens);
        Assert.Equal(new[] { 64, 64, 64, 256, 256 }, Enumerable.Range(0, 5).Select(s => c.StageAt(s).Length));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.StageAt(5));

        var shipped = HaystackPreset.Config.Curriculum.Stages;
        Assert.True(shipped.Zip(shipped.Skip(1)).All(p => p.First.Length <= p.Second.Length), "lengths never shrink");
        Assert.Equal(1024, shipped[^1].Length);
        // The shipped recipe trains on the spec's single needle with one question; a recipe with more needles asks about several.
        var single = HaystackLm.Batch(HaystackPreset.Config, shipped[0].Steps);
        Assert.All(single.Ids.Chunk(single.Length), row =>
        {
            Assert.Equal(1, row.Count(t => t == HaystackVocabulary.KeyMarkerId));
            Assert.Equal(1, row.Count(t => t == HaystackVocabulary.QueryMarkerId));
        });
        var several = HaystackLm.Batch(HaystackPreset.Config with { MaxNeedles = 6 }, shipped[0].Steps);
        Assert.All(several.Ids.Chunk(several.Length), row => Assert.InRange(row.Count(t => t == HaystackVocabulary.KeyMarkerId), 2, 4));
        var recipe = new HaystackTrainConfig(HaystackLm.Shape(layers: 1, dim: 16), c, Seed: 1, LearningRate: 1e-3);
        var (ids, mask, rows, length) = HaystackLm.Batch(recipe, 3);
        Assert.Equal((2, 256), (rows, length));
        Assert.Equal(2 * 256, ids.Length);
        Assert.Equal(ids.Length, mask.Length);
        Assert.Equal(ids, HaystackLm.Batch(recipe, 3).Ids); // deterministic
    }

    [Fact]
    public void QuickRunComputesEveryCriterionOnTheShippedModel()
    {
        var config = GemFilterConfig.For(quick: true);
        var result = GemFilterPaper.Run(config);
        Assert.Equal(6, result.HitRate.Length);
        Assert.All(result.HitRate, r => Assert.InRange(r, 0, 1));
        Assert.Equal(config.Lengths.Length * config.Depths.Length * config.PromptsPerCell, result.Runs.Count);
        Assert.Equal(config.Lengths, result.Cost.Select(c => c.Length));
        Assert.All(result.Cost, c => Assert.True(c.GemFlops < c.FullFlops && c.GemMs > 0 && c.FullMs > 0));
        var criteria = result.Criteria();
        Assert.Equal(3, criteria.Count);
        Assert.All(criteria, c => Assert.False(string.IsNullOrWhiteSpace(c.Measured)));
        Assert.False(criteria[2].Holds); // quick prompts stop at n = 128: the n = 1024 criterion cannot hold there
        Assert.Contains("at n = 128", criteria[2].Measured);
        // GemFilter keeps k = n/16 haystack tokens plus <bos> and the question.
        Assert.Equal(config.KeepAt(result.Example.Length) + 4, result.ExampleSelection.Selected.Length);
        Assert.Equal(result.Example.Length, result.SelectionStrip().Chips.Count);
        Assert.Equal(3, result.AccuracyHeatmaps().Traces.Count);
        Assert.NotNull(result.Numbers()["hit_rate_by_layer"]);
    }
}
