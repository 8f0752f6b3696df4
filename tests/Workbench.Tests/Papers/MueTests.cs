using Workbench.Data.Procedural;
using Workbench.Models.Vision;
using Workbench.Papers.Mue;
using static TorchSharp.torch;

namespace Workbench.Tests.Papers;

public class MueTests
{
    static readonly MueTasks Tasks = new();

    static SceneEncoderDecoder Model()
    {
        random.manual_seed(6);
        var m = new SceneEncoderDecoder(new EncoderDecoderConfig(Tasks.Tokenizer.VocabularySize, ImageSize: Tasks.Scenes.Width,
            TextLength: MueTasks.TextLength, MaxTarget: Tasks.MaxTarget, Dim: 32, Heads: 2, EncoderLayers: 3, DecoderLayers: 3));
        m.eval();
        return m;
    }

    [Fact]
    public void ExamplesAreLabelledFromTheSceneFacts()
    {
        var examples = Tasks.Sample(60, seed: 9);
        Assert.Equal(30, examples.Count(e => e.Task == MueTask.Entailment));
        foreach (var e in examples)
            if (e.Task == MueTask.Entailment)
                Assert.Equal(MueTasks.Holds(e.Scene, e.Text[0], e.Text[1], e.Text[2]) ? "yes" : "no", e.Target.Single());
            else
            {
                var expected = e.Scene.Objects.OrderBy(o => o.Row * 2 + o.Col).SelectMany(o => new[] { o.Colour.Name, SceneVocabulary.Word(o.Kind) });
                Assert.Equal(expected, e.Target);
                Assert.Equal(MueTasks.Prompt, e.Text);
            }
        var answers = examples.Where(e => e.Task == MueTask.Entailment).Select(e => e.Target[0]).ToList();
        Assert.InRange(answers.Count(a => a == "yes"), 8, 22); // both labels occur, roughly balanced

        using var batch = Tasks.Build(examples.Take(4).ToList());
        Assert.Equal(new long[] { 4, 3, 16, 16 }, batch.Images.shape);
        var input = batch.Input.data<long>().ToArray();
        var labels = batch.Labels.data<long>().ToArray();
        int t = (int)batch.Input.shape[1];
        // Entailment row: <bos> label, then padding; labels: label <eos>, then -100.
        Assert.Equal(Tasks.Tokenizer.BosId, input[0]);
        Assert.Equal(Tasks.Tokenizer.Id(examples[0].Target[0]), labels[0]);
        Assert.Equal(Tasks.Tokenizer.EosId, labels[1]);
        Assert.All(labels.Skip(2).Take(t - 2), l => Assert.Equal(-100, l));
        Assert.Equal(labels[t], input[t + 1]); // teacher forcing: the input is the label shifted right
    }

    [Fact]
    public void AttentionInitScaleMultipliesOnlyTheAttentionProjections()
    {
        var shape = new EncoderDecoderConfig(Tasks.Tokenizer.VocabularySize, ImageSize: Tasks.Scenes.Width, TextLength: MueTasks.TextLength,
            MaxTarget: Tasks.MaxTarget, Dim: 32, Heads: 2, EncoderLayers: 2, DecoderLayers: 2);
        random.manual_seed(4);
        using var plain = new SceneEncoderDecoder(shape);
        random.manual_seed(4);
        using var sharp = new SceneEncoderDecoder(shape with { AttentionInitScale = 3.0 });
        var scaled = new List<string>();
        var sharpParams = sharp.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in plain.named_parameters())
        {
            bool isAttention = name.EndsWith("._qkv.weight") || name.EndsWith("._query.weight") || name.EndsWith("._keyValue.weight");
            Assert.True(isAttention ? allclose(sharpParams[name], p * 3, rtol: 1e-6, atol: 1e-7) : sharpParams[name].eq(p).all().item<bool>(), name);
            if (isAttention) scaled.Add(name);
        }
        // Encoder self-attention (2), decoder self-attention (2), decoder cross-attention query and key/value (2 x 2).
        Assert.Equal(8, scaled.Count);
    }

    [Fact]
    public void EncoderModalitiesExitSeparatelyOrTogether()
    {
        using var m = Model();
        using var batch = Tasks.Build(Tasks.Sample(6, seed: 2));
        using var _ = no_grad();
        var full = m.Encode(batch.Images, batch.Text);
        Assert.All(full.ImageLayers.Concat(full.TextLayers), l => Assert.Equal(3, l));
        // A threshold every similarity meets (cosine >= -1) stops a modality after its first layer.
        var imageOnly = m.Encode(batch.Images, batch.Text, new EncoderExit(-1, double.PositiveInfinity));
        Assert.All(imageOnly.ImageLayers, l => Assert.Equal(1, l));
        Assert.All(imageOnly.TextLayers, l => Assert.Equal(3, l));
        Assert.False(imageOnly.Memory.allclose(full.Memory, atol: 1e-4));
        var joint = m.Encode(batch.Images, batch.Text, EncoderExit.Joint(-1));
        Assert.Equal(joint.ImageLayers, joint.TextLayers);
        Assert.All(joint.ImageLayers, l => Assert.Equal(1, l));
        // A threshold placed between samples' similarities sends some out and keeps others.
        var sims = Enumerable.Range(0, 6).Select(n => full.Similarity[0][n, 0]).OrderBy(v => v).ToArray();
        var some = m.Encode(batch.Images, batch.Text, new EncoderExit((sims[2] + sims[3]) / 2, double.PositiveInfinity));
        Assert.Equal(3, some.ImageLayers.Count(l => l == 1));
        Assert.True(m.EncoderFlops(1, 3) < m.EncoderFlops(3, 3) && m.EncoderFlops(1, 1) < m.EncoderFlops(1, 3));
    }

    [Fact]
    public void DecoderExitsPerTokenWithTheExitedLayersOutputAndKeepsEarlierPositions()
    {
        using var m = Model();
        using var batch = Tasks.Build(Tasks.Sample(4, seed: 3, MueTask.Caption));
        using var _ = no_grad();
        var memory = m.Encode(batch.Images, batch.Text).Memory;
        var layers = m.LayerLogits(memory, batch.Input);
        // No exits: the last layer's logits. Exit everywhere after layer 1: layer 1's logits through the shared head.
        Assert.True(m.Decode(memory, batch.Input).Logits.allclose(layers[^1], atol: 1e-5));
        var early = m.Decode(memory, batch.Input, new DecoderExit(DecoderSignal.Similarity, -1));
        Assert.True(early.Logits.allclose(layers[0], atol: 1e-5));
        Assert.All(early.ExitLayers.Cast<int>(), l => Assert.Equal(1, l));

        // A threshold in the middle of the first layer's similarities: some tokens leave, some go on; the prefix one
        // token shorter gets the same exits and outputs (what greedy generation relies on).
        var all = m.Decode(memory, batch.Input);
        var s = all.Signals[0].Cast<double>().OrderBy(v => v).ToArray();
        var mid = new DecoderExit(DecoderSignal.Similarity, s[s.Length / 2]);
        var longer = m.Decode(memory, batch.Input, mid);
        int t = (int)batch.Input.shape[1];
        var shorter = m.Decode(memory, batch.Input.narrow(1, 0, t - 1), mid);
        var exits = longer.ExitLayers.Cast<int>().ToArray();
        Assert.Contains(1, exits);
        Assert.Contains(3, exits);
        for (int n = 0; n < 4; n++)
            for (int i = 0; i < t - 1; i++) Assert.Equal(longer.ExitLayers[n, i], shorter.ExitLayers[n, i]);
        Assert.True(shorter.Logits.allclose(longer.Logits.narrow(1, 0, t - 1), atol: 1e-5));
        Assert.True(m.DecoderFlops(new[] { 1, 1 }, DecoderSignal.Similarity) < m.DecoderFlops(new[] { 3, 3 }, DecoderSignal.Similarity));
        Assert.True(m.DecoderFlops(new[] { 2 }, DecoderSignal.Confidence) > m.DecoderFlops(new[] { 2 }, DecoderSignal.Similarity));
    }

    [Fact]
    public void GenerationStopsAtTheEndTokenAndScoresAlignedWords()
    {
        using var m = Model();
        using var batch = Tasks.Build(Tasks.Sample(5, seed: 4, MueTask.Caption));
        var runs = MueGeneration.Generate(m, batch, EncoderExit.None, DecoderExit.None, Tasks.Tokenizer.EosId, Tasks.Tokenizer.BosId);
        foreach (var g in runs)
        {
            Assert.InRange(g.Tokens.Length, 1, m.Config.MaxTarget);
            Assert.Equal(g.Tokens.Length, g.DecoderLayers.Length);
            Assert.DoesNotContain(Tasks.Tokenizer.EosId, g.Tokens.Take(g.Tokens.Length - 1));
            Assert.All(g.DecoderLayers, l => Assert.Equal(3, l));
        }
        var example = batch.Examples[0];
        var ids = Tasks.Tokenizer.Encode(example.Target).Append(Tasks.Tokenizer.EosId).ToArray();
        Assert.Equal(1.0, MueGeneration.Score(example, new GeneratedExample(ids, ids.Select(_ => 3).ToArray(), 3, 3, 0), Tasks));
        var wrong = ids.ToArray();
        wrong[1] = wrong[0];
        Assert.Equal((ids.Length - 1) / (double)ids.Length, MueGeneration.Score(example, new GeneratedExample(wrong, ids.Select(_ => 3).ToArray(), 3, 3, 0), Tasks), 9);
        Assert.Equal((ids.Length - 1) / (double)ids.Length, MueGeneration.Score(example, new GeneratedExample(ids.Take(ids.Length - 1).ToArray(), ids.Select(_ => 3).ToArray(), 3, 3, 0), Tasks), 9);
    }
}
