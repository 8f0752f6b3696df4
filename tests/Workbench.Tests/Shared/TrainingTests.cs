using TorchSharp;
using Workbench.Data.Language;
using Workbench.Models.Transformer;
using Workbench.Progress;
using Workbench.Tests.Support;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Tests.Shared;

public class TrainingTests
{
    [Fact]
    public void ScheduleWarmsUpThenDecaysToTheFloor()
    {
        var o = new TrainOptions(Steps: 100, LearningRate: 1e-2, WarmupSteps: 10, MinLearningRateFraction: 0.1);
        Assert.Equal(1e-3, TrainLoop.LearningRateAt(o, 0), 9);
        Assert.Equal(1e-2, TrainLoop.LearningRateAt(o, 10), 9);
        Assert.True(TrainLoop.LearningRateAt(o, 50) < 1e-2);
        Assert.Equal(1e-3, TrainLoop.LearningRateAt(o, 100), 9);
    }

    [Fact]
    public void FitsALinearMapAndCachesTheResult()
    {
        TorchRuntime.Seed(1);
        var trueW = tensor(new float[] { 2f, -3f }).reshape(1, 2);
        var x = randn(256, 2);
        var y = x.matmul(trueW.t());
        var model = nn.Linear(2, 1);
        TrainResult? result = null;
        var cacheDir = Paths.TempDir("cache");
        var previous = Environment.GetEnvironmentVariable("WORKBENCH_CACHE");
        Environment.SetEnvironmentVariable("WORKBENCH_CACHE", cacheDir);
        try
        {
            using (ProgressTask.Redirect(null))
            {
                var config = new { task = "linear", steps = 300 };
                bool cached = ModelCache.LoadOrTrain(model, "linear", config, () =>
                    result = TrainLoop.Run(model.parameters(), _ => nn.functional.mse_loss(model.forward(x), y),
                        new TrainOptions(Steps: 300, LearningRate: 0.05)));
                Assert.False(cached);
                Assert.True(result!.Log[0].Loss > 1.0);
                Assert.True(result.FinalLoss < 1e-3, $"final loss {result.FinalLoss}");

                var again = nn.Linear(2, 1);
                Assert.True(ModelCache.LoadOrTrain(again, "linear", config, () => throw new InvalidOperationException("should be cached")));
                Assert.Equal(2f, again.weight![0, 0].item<float>(), 2);
                Assert.Equal(-3f, again.weight![0, 1].item<float>(), 2);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("WORKBENCH_CACHE", previous);
            Directory.Delete(cacheDir, true);
        }
    }

    [Fact]
    public void ComputedTensorsAreCachedUnderTheFingerprintsOfWeightsAndInputs()
    {
        TorchRuntime.Seed(3);
        var model = nn.Linear(4, 3);
        TorchRuntime.Seed(3);
        var twin = nn.Linear(4, 3);
        var x = randn(5, 4);
        Assert.Equal(ModelCache.Fingerprint(model), ModelCache.Fingerprint(twin)); // same weights, same hash
        Assert.NotEqual(ModelCache.Fingerprint(x), ModelCache.Fingerprint(x + 1e-3f));
        using (no_grad()) twin.weight![0, 0].add_(1e-4f);
        Assert.NotEqual(ModelCache.Fingerprint(model), ModelCache.Fingerprint(twin)); // one changed weight is another model

        var cacheDir = Paths.TempDir("cache");
        var previous = Environment.GetEnvironmentVariable("WORKBENCH_CACHE");
        Environment.SetEnvironmentVariable("WORKBENCH_CACHE", cacheDir);
        try
        {
            int computed = 0;
            object Key(nn.Module m) => new { weights = ModelCache.Fingerprint(m), inputs = ModelCache.Fingerprint(x) };
            Dictionary<string, Tensor> Outputs(nn.Module m) => ModelCache.LoadOrCompute("outputs", Key(m),
                () => { computed++; using (no_grad()) return new Dictionary<string, Tensor> { ["y"] = ((nn.Module<Tensor, Tensor>)m).forward(x) }; });
            var first = Outputs(model)["y"];
            var again = Outputs(model)["y"];
            Assert.Equal(1, computed);
            Assert.Equal(first.data<float>().ToArray(), again.data<float>().ToArray());
            Outputs(twin);
            Assert.Equal(2, computed); // other weights never meet these outputs

            File.WriteAllBytes(ModelCache.PathFor("outputs", Key(model)), new byte[] { 1, 2, 3 });
            Assert.Equal(first.data<float>().ToArray(), Outputs(model)["y"].data<float>().ToArray());
            Assert.Equal(3, computed); // the damaged entry is recomputed, not trusted
            Outputs(twin);
            Assert.Equal(3, computed); // the intact one still loads
        }
        finally
        {
            Environment.SetEnvironmentVariable("WORKBENCH_CACHE", previous);
            Directory.Delete(cacheDir, true);
        }
    }

    [Fact]
    public void RetrainingAnLmRecipeReproducesItsCard()
    {
        // What `workbench train <preset>` promises: the same recipe gives the same loss and the same held-out metrics.
        var recipe = new LmTrainConfig(new TransformerConfig(Lexicon.Tokenizer.VocabularySize, 32, 1, 2, 1, 64, MaxSeqLen: 64),
            Style.A, Seed: 7, Steps: 12, Batch: 4, SeqLen: 32, LearningRate: 3e-3, EvalEpisodes: 8);
        using (ProgressTask.Redirect(null))
        {
            var first = LmPreset.Train(recipe, "tiny", "determinism check", save: false).Card;
            var second = LmPreset.Train(recipe, "tiny", "determinism check", save: false).Card;
            Assert.True(first.FinalLoss > 0 && double.IsFinite(first.FinalLoss));
            Assert.Equal(first.FinalLoss, second.FinalLoss);
            Assert.Equal(first.Metrics, second.Metrics);
            var other = LmPreset.Train(recipe with { Seed = 8 }, "tiny", "determinism check", save: false).Card;
            Assert.NotEqual(first.FinalLoss, other.FinalLoss);
            Assert.Equal(12 * 4 * 32, first.Metrics["tokens_trained"]); // packed rows: every slot is a token
            // A curriculum with one episode per row: the card names the stage and counts real tokens, not padding.
            var staged = LmPreset.Train(recipe with { Curriculum = [new LmStage(4, new LanguageOptions(MinPeople: 2, MaxPeople: 2))], EpisodesPerRow = 1 },
                "tiny", "curriculum check", save: false).Card;
            Assert.Contains("first 4 steps: 2-2 people", staged.Data);
            Assert.InRange(staged.Metrics["tokens_trained"], 12 * 4 * 20, 12 * 4 * 32 - 1);
        }
    }

    [Fact]
    public void AnswerWeightedLossIsTheWeightedMeanOfPerTokenLosses()
    {
        TorchRuntime.Seed(3);
        var model = new TransformerLM(new TransformerConfig(Lexicon.Tokenizer.VocabularySize, 32, 1, 2, 1, 64, MaxSeqLen: 64));
        var batch = new CorpusSampler(Style.A, 5).NextBatch(2, 48);
        Assert.Contains(true, batch.AnswerMask);
        var ids = tensor(batch.Ids).reshape(2, 48);
        using var _ = no_grad();
        // Weight 1 is the plain next-token loss.
        Assert.Equal(model.NextTokenLoss(ids).item<float>(), LmPreset.AnswerWeightedLoss(model, ids, batch.AnswerMask, 1.0).item<float>(), 5);
        // Weight 4: recompute per target position by hand (target k+1 of row r is an answer token when mask[r, k+1]).
        var each = nn.functional.cross_entropy(model.Forward(ids.narrow(1, 0, 47)).reshape(-1, model.Config.VocabSize),
            ids.narrow(1, 1, 47).reshape(-1), reduction: nn.Reduction.None).data<float>().ToArray();
        double num = 0, den = 0;
        for (int r = 0; r < 2; r++)
            for (int k = 0; k < 47; k++)
            {
                double w = batch.AnswerMask[r * 48 + k + 1] ? 4 : 1;
                num += w * each[r * 47 + k];
                den += w;
            }
        double weighted = LmPreset.AnswerWeightedLoss(model, ids, batch.AnswerMask, 4.0).item<float>();
        Assert.Equal(num / den, weighted, 4);
        Assert.NotEqual(model.NextTokenLoss(ids).item<float>(), (float)weighted, 3);
    }

    [Fact]
    public void AnswerWeightedLossIgnoresPadding()
    {
        TorchRuntime.Seed(4);
        var model = new TransformerLM(new TransformerConfig(Lexicon.Tokenizer.VocabularySize, 32, 1, 2, 1, 64, MaxSeqLen: 96));
        var batch = new CorpusSampler(Style.A, 6).NextBatch(2, 80, maxEpisodes: 1);
        Assert.Contains(Lexicon.Tokenizer.PadId, batch.Ids.Select(i => (int)i));
        var ids = tensor(batch.Ids).reshape(2, 80);
        using var _ = no_grad();
        var ignoring = model.NextTokenLoss(ids, ignoreIndex: Lexicon.Tokenizer.PadId).item<float>();
        Assert.Equal(ignoring, LmPreset.AnswerWeightedLoss(model, ids, batch.AnswerMask, 1.0).item<float>(), 5);
        Assert.NotEqual(model.NextTokenLoss(ids).item<float>(), ignoring, 3); // the padding would have counted
    }

    [Fact]
    public void CurriculumStagesTrainOnTheirOwnLanguageThenOnTheLanguageItself()
    {
        var twoPeopleLookups = new LanguageOptions(MinPeople: 2, MaxPeople: 2, QuestionWeights: [1, 0, 0, 0, 0]);
        var config = new LmTargetPreset().Config with { Steps = 10, Curriculum = [new LmStage(4, twoPeopleLookups)] };
        var corpusAt = config.Corpora();
        for (int step = 0; step < 4; step++)
        {
            var e = corpusAt(step).NextEpisode();
            Assert.Equal(2, e.Scene.Facts.Count);
            Assert.Equal(QuestionKind.Lookup, e.Question.Kind);
        }
        // After the stage: the corpus the recipe without a curriculum trains on, from its first episode.
        var language = new CorpusSampler(Style.A, config.Seed).NextEpisodes(3);
        Assert.Equal(language, Enumerable.Range(4, 3).Select(step => corpusAt(step).NextEpisode()));
        Assert.Contains("first 4 steps: 2-2 people, question weights 1/0/0/0/0", config.DescribeData());
        var tooLong = config with { Curriculum = [new LmStage(11, twoPeopleLookups)] };
        Assert.Contains("more than the 10", Assert.Throws<ArgumentException>(() => tooLong.Corpora()).Message);
    }
}
