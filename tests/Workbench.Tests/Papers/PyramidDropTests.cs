using Workbench.Data.Procedural;
using Workbench.Models.Transformer;
using Workbench.Models.Vision;
using Workbench.Papers.PyramidDrop;
using Workbench.TokenDrop;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Tests.Papers;

public class PyramidDropTests
{
    static readonly SceneQuestions Questions = VlmScenePreset.Questions;

    static SceneObject Obj(ShapeKind kind, string colour, int row, int col) =>
        new(kind, SceneVocabulary.Colour(colour), Texture.Solid, row, col, col * 8 + 4, row * 8 + 4, 3, 0);

    static Scene HandBuilt() => new(0, SceneQuestions.ToyScenes(), new byte[32 * 32 * 3], new[]
    {
        Obj(ShapeKind.Circle, "red", 0, 0), Obj(ShapeKind.Square, "blue", 1, 2), Obj(ShapeKind.Triangle, "red", 3, 3),
    }, 0);

    static ToyVlm SmallVlm()
    {
        TorchRuntime.Seed(4);
        var m = new ToyVlm(new ToyVlmConfig(new TransformerConfig(Questions.Tokenizer.VocabularySize, 32, 8, 4, 2, 64, MaxSeqLen: 80)));
        m.eval();
        return m;
    }

    [Fact]
    public void AnswersComeFromTheSceneFacts()
    {
        var s = HandBuilt();
        Assert.Equal("red", SceneQuestions.ColourAt(s, 0, 0).Answer);
        Assert.Equal("blue", SceneQuestions.ColourAt(s, 1, 2).Answer);
        Assert.Equal("none", SceneQuestions.ColourAt(s, 2, 2).Answer);
        Assert.Equal("square", SceneQuestions.ShapeAt(s, 1, 2).Answer);
        Assert.Equal("none", SceneQuestions.ShapeAt(s, 0, 3).Answer);
        Assert.Equal("2", SceneQuestions.Count(s, "red").Answer);
        Assert.Equal("0", SceneQuestions.Count(s, "green").Answer);
        Assert.Equal("yes", SceneQuestions.LeftOf(s, ShapeKind.Circle, ShapeKind.Triangle).Answer);
        Assert.Equal("no", SceneQuestions.LeftOf(s, ShapeKind.Triangle, ShapeKind.Circle).Answer);
        Assert.Equal("no", SceneQuestions.LeftOf(s, ShapeKind.Cross, ShapeKind.Square).Answer); // no cross at all
        Assert.Equal(new[] { "colour", "at", "row2", "col3", "?" }, SceneQuestions.ColourAt(s, 1, 2).Words);

        // Every asked question has five words ending in "?", an answer the vocabulary holds, and the same answer
        // whether asked through Ask or through the kind's own method.
        var rng = new SceneRandom(9);
        var scenes = new SceneGenerator(SceneQuestions.ToyScenes()).Generate(40, 3);
        foreach (var scene in scenes)
        {
            var q = Questions.Ask(scene, rng);
            Assert.Equal(SceneQuestions.Length, q.Words.Length);
            Assert.Equal("?", q.Words[^1]);
            Assert.Contains(q.Answer, Questions.AnswerWords);
            if (q.Kind == QuestionKind.Count) Assert.Equal(scene.Objects.Count(o => o.Colour.Name == q.Words[2]).ToString(), q.Answer);
        }
    }

    [Fact]
    public void PatchesAreSixtyFourTokensBeforeTheQuestionAndEachSeesOnlyItsPixels()
    {
        using var set = Questions.Sample(3, seed: 5);
        Assert.Equal(new long[] { 3, 3, 32, 32 }, set.Images.shape);
        Assert.Equal(new long[] { 3, 5 }, set.Questions.shape);
        var scene = set.Scenes[1];
        Assert.Equal(scene[7, 20, 2] / 255f, set.Images[1, 2, 7, 20].item<float>(), 6); // [y, x, channel] -> [channel, y, x]
        Assert.Equal(Questions.Tokenizer.Id(set.Asked[2].Answer), set.AnswerIds[2]);

        var m = SmallVlm();
        using var _ = no_grad();
        var e = m.Embed(set.Images, set.Questions);
        Assert.Equal(new long[] { 3, 64 + 5, 32 }, e.shape);
        Assert.Equal(64, m.Droppable.Count(d => d));
        Assert.True(m.Droppable.Take(64).All(d => d) && !m.Droppable.Skip(64).Any(d => d));
        // Change the pixels of patch (2, 5) only: image token 2 * 8 + 5 changes, no other token does.
        var images = set.Images.clone();
        images[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(8, 12), TensorIndex.Slice(20, 24)] = rand(3, 3, 4, 4);
        var changed = (m.Embed(images, set.Questions) - e).abs().amax(new long[] { 0, 2 }).data<float>().ToArray();
        Assert.Equal(new[] { 21 }, changed.Select((v, i) => (v, i)).Where(p => p.v > 1e-6).Select(p => p.i).ToArray());
    }

    [Fact]
    public void TheVlmForwardIsDroppedForwardWithoutDrops()
    {
        var m = SmallVlm();
        using var set = Questions.Sample(4, seed: 6);
        using var _ = no_grad();
        var plain = m.Forward(set.Images, set.Questions);
        var none = m.Run(set.Images, set.Questions, DropSchedule.None);
        Assert.Equal(new long[] { 4, Questions.Tokenizer.VocabularySize }, plain.shape);
        Assert.True(plain.allclose(none.Logits, rtol: 0, atol: 1e-5));
        Assert.Equal(1.0, none.DroppableFlopsShare, 9);
        // Answer() in batches is the argmax of the same logits, and PyramidDrop runs the layers on 69, 37, 21, 13 tokens.
        var answers = m.Answer(set.Images, set.Questions, DropSchedule.None, batch: 3);
        Assert.Equal(plain.argmax(-1).data<long>().ToArray(), answers.Predicted);
        var pyramid = m.Answer(set.Images, set.Questions, DropSchedule.Pyramid(8), batch: 3);
        Assert.Equal(new[] { 69, 69, 37, 37, 21, 21, 13, 13 }, pyramid.TokensPerLayer);
        Assert.Equal(4, pyramid.Stages[2].Kept.Length);
        Assert.InRange(pyramid.ImageFlopsShare, 0.4, 0.55);
    }

    [Fact]
    public void EqualFlopsEarlyDropSpendsAtLeastPyramidDropsImageFlopsAndOneTokenLessWouldNot()
    {
        var m = SmallVlm();
        using var set = Questions.Sample(2, seed: 7);
        using var _ = no_grad();
        double share = m.Run(set.Images, set.Questions, DropSchedule.Pyramid(8)).DroppableFlopsShare;
        var early = PyramidDropExperiment.EqualFlopsEarlyDrop(m, set, 2, share);
        int k = (int)Math.Round(early.Stages.Single().Keep * 64);
        Assert.Equal(2, early.Stages[0].Layer);
        Assert.True(m.Run(set.Images, set.Questions, early).DroppableFlopsShare >= share);
        Assert.True(m.Run(set.Images, set.Questions, DropSchedule.Single(2, (k - 1) / 64.0)).DroppableFlopsShare < share);
        Assert.InRange(k, 16, 22); // 2 full layers + 6 at k tokens ~ 2 x 64 + 2 x (32 + 16 + 8)
    }

    [Fact]
    public void TrainingWithPyramidDropRunsThroughTheDropsAndWritesACard()
    {
        var shape = new ToyVlmConfig(new TransformerConfig(Questions.Tokenizer.VocabularySize, 16, 8, 2, 2, 32, MaxSeqLen: 80));
        var (model, card) = VlmScenePreset.Train(new VlmTrainConfig(shape, Seed: 3, Steps: 4, Batch: 6, LearningRate: 1e-3, PyramidStages: 4, EvalQuestions: 30),
            "test-vlm", "test", save: false);
        Assert.Equal(4, card.Steps);
        Assert.True(double.IsFinite(card.FinalLoss));
        Assert.InRange(card.Metrics["held_out_accuracy"], 0, 1);
        Assert.Contains("accuracy_count", card.Metrics.Keys);
        Assert.Equal(model.parameters().Sum(p => p.numel()), card.Parameters);
    }

    [Fact]
    public void AQuickRunOnTheShippedModelsComputesEveryCriterionAndView()
    {
        var config = PyramidDropConfig.For(quick: true) with { Questions = 48 };
        var r = PyramidDropExperiment.Run(config);
        var criteria = r.Criteria();
        Assert.Equal(3, criteria.Count);
        Assert.All(criteria, c => Assert.False(string.IsNullOrWhiteSpace(c.Measured)));
        Assert.Contains("layer 6", criteria[0].Measured);
        Assert.Equal(config.KeepRatios.Length, r.Curves[1].Count);
        Assert.Equal(r.Baseline.Full.Accuracy, r.Curves[6][0].Accuracy); // keep 1 is the full model
        Assert.InRange(r.Baseline.Pyramid.ImageFlopsShare, 0.4, 0.55);
        Assert.True(r.Trained.EarlyAtEqualFlops.ImageFlopsShare >= r.Trained.Pyramid.ImageFlopsShare);
        var view = r.DroppedTokensView(r.InterestingSamples().First());
        Assert.Equal(8, view.StepCount);
        Assert.Equal(5, r.FlopsFigure().Traces.Count); // two sweeps per model and the two PyramidDrop points
        Assert.Equal(config.DropLayers.Length + 1, r.KeepRatioFigure().Traces.Count); // one per drop layer and the random-rank control
        Assert.Equal(config.KeepRatios.Length, r.RandomRankCurve.Count);
        Assert.Equal(r.Baseline.Full.Accuracy, r.RandomRankCurve[0].Accuracy);
        Assert.All(r.RandomRankCurve.Skip(1), p => Assert.Equal(TokenScoring.Random, p.Schedule.Scoring));
        Assert.Equal(r.Curves[config.ControlLayer][1].Schedule.Stages, r.RandomRankCurve[1].Schedule.Stages); // same drop, another rank
        Assert.Equal(6, r.Table().Rows.Count);
        Assert.NotNull(r.Numbers()["exp_a_accuracy_by_drop_layer"]?["layer_6"]);
        Assert.NotNull(r.Numbers()["exp_a_random_rank_layer_6"]);
    }
}
