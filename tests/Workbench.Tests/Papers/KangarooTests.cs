using Workbench.Cost;
using Workbench.Decoding.Speculative;
using Workbench.Models.Transformer;
using Workbench.Papers.Kangaroo;
using Workbench.Tests.Speculative;
using static TorchSharp.torch;

namespace Workbench.Tests.Papers;

public class KangarooTests
{
    static readonly TransformerLM Target = SelfSpeculativeTests.RandomModel(3, 32, 41, vocab: 128);

    [Fact]
    public void AdaptersHaveKangaroosShapeAndStartAsThePlainExit()
    {
        var attention = (AttentionAdapter)KangarooAdapters.Create(AdapterKind.Attention, Target, 1);
        var shapes = attention.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        // d = 32, 4 query heads and 2 key/value heads of width 8: RMSNorm -> attention -> residual -> RMSNorm, no FFN.
        Assert.Equal(new[] { "pre_norm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
            "self_attn.o_proj.weight", "post_norm.weight" }.Order(), shapes.Keys.Order());
        Assert.Equal(new long[] { 32, 32 }, shapes["self_attn.q_proj.weight"]);
        Assert.Equal(new long[] { 16, 32 }, shapes["self_attn.k_proj.weight"]);
        Assert.Equal(new long[] { 32, 32 }, shapes["self_attn.o_proj.weight"]);
        var mlp = (MlpAdapter)KangarooAdapters.Create(AdapterKind.Mlp, Target, 1);
        Assert.Equal(32 * 32 * 3 + 2 * 32, mlp.ParameterCount);
        Assert.Equal(32 * 32 * 2 + 32 * 16 * 2 + 2 * 32, attention.ParameterCount);
        Assert.Equal(0, KangarooAdapters.Create(AdapterKind.None, Target, 1).ParameterCount);

        using var _ = no_grad();
        var states = Target.RunLayers(Target.Embed(tensor(new long[] { 3, 1, 4, 1, 5 }).unsqueeze(0)), 0, 1);
        var plain = Target.FinalNorm(states);
        Assert.True(attention.Forward(states, 0, null).allclose(plain, rtol: 0, atol: 1e-6));
        Assert.True(mlp.Forward(states, 0, null).allclose(plain, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void TheAttentionAdapterGivesTheSameStatesWithItsCacheAsOverTheWholeSequence()
    {
        var adapter = SelfSpeculativeTests.RandomAdapter(Target, AdapterKind.Attention, 2);
        using var _ = no_grad();
        var states = Target.RunLayers(Target.Embed(tensor(new long[] { 3, 1, 4, 1, 5, 9, 2 }).unsqueeze(0)), 0, 2);
        var whole = adapter.Forward(states, 0, null);
        using var cache = adapter.NewCache(16)!;
        var first = adapter.Forward(states.narrow(1, 0, 4), 0, cache);
        var rest = adapter.Forward(states.narrow(1, 4, 3), 4, cache);
        Assert.True(cat(new[] { first, rest }, 1).allclose(whole, rtol: 0, atol: 1e-5));
        Assert.False(whole.allclose(Target.FinalNorm(states), rtol: 0, atol: 1e-3)); // it really does something
    }

    [Fact]
    public void SoftCrossEntropyIsMinimalAtTheTeachersOwnDistribution()
    {
        var teacher = tensor(new[] { 0.7f, 0.2f, 0.1f }).unsqueeze(0);
        double self = AdapterTraining.SoftCrossEntropy(teacher.log(), teacher).item<float>();
        double entropy = -(0.7 * Math.Log(0.7) + 0.2 * Math.Log(0.2) + 0.1 * Math.Log(0.1));
        Assert.Equal(entropy, self, 5);
        Assert.True(AdapterTraining.SoftCrossEntropy(tensor(new[] { 0f, 0f, 0f }).unsqueeze(0), teacher).item<float>() > self);
    }

    [Fact]
    public void ATinyTrainingLowersTheSoftCrossEntropyToTheFullModel()
    {
        using var data = new ExitStateData(Target, new[] { 1 }, sequences: 8, seqLen: 32, seed: 3);
        Assert.Equal(new long[] { 8, 32, 32 }, data.StatesAt(1).shape);
        Assert.Equal(new long[] { 8, 32, 128 }, data.TeacherProbs.shape);
        foreach (var kind in new[] { AdapterKind.Attention, AdapterKind.Mlp })
        {
            var adapter = KangarooAdapters.Create(kind, Target, 4);
            double before = AdapterTraining.Evaluate(Target, adapter, data, 1);
            var config = new AdapterTrainConfig("test", 1, kind, 8, 32, Steps: 30, Batch: 4, LearningRate: 1e-2, Seed: 4);
            AdapterTraining.Train(Target, adapter, data, config);
            double after = AdapterTraining.Evaluate(Target, adapter, data, 1);
            Assert.True(after < before - 0.05, $"{kind}: soft CE {before:0.000} -> {after:0.000}");
        }
        Assert.All(Target.parameters(), p => Assert.True(p.requires_grad)); // the target was frozen only while training
    }

    [Fact]
    public void CtarCountsRoundsKeepingAtLeastWOfThoseThatDraftedW()
    {
        static SpeculativeStep Step(int drafted, int accepted) => new(0, 1,
            Enumerable.Range(0, drafted).Select(i => new DraftedToken(1, 1, 1, i < accepted ? Verdict.Accepted : i == accepted ? Verdict.Rejected : Verdict.Discarded,
                1, 1, 1, null)).ToList(), 1, accepted == drafted ? Verdict.Bonus : Verdict.Resampled, 1, accepted, false,
            new StepCost(drafted, 1, drafted, 1, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero));
        var steps = new[] { Step(4, 4), Step(4, 1), Step(4, 0), Step(2, 2) };
        var ctar = KangarooExperiment.Ctar(steps, 4);
        Assert.Equal(new[] { 3 / 4.0, 2 / 4.0, 1 / 3.0, 1 / 3.0 }, ctar);
    }

    [Fact]
    public void ACurvePeaksInsideTheSweepOnlyWhenItsMaximumIsNotAtAnEnd()
    {
        Assert.Equal((2, true, true), KangarooResult.PeakOf(new[] { 1.0, 1.2, 1.4, 1.1 }));
        Assert.Equal((0, false, false), KangarooResult.PeakOf(new[] { 1.5, 1.2, 1.4, 1.1 }));
        Assert.Equal((3, false, true), KangarooResult.PeakOf(new[] { 1.0, 1.2, 1.4, 1.6 }));
    }

    [Fact]
    public void QuickAndFullConfigsSweepTheSpecsSettings()
    {
        var full = KangarooConfig.For(false);
        Assert.Equal(new[] { 1, 2, 3 }, full.ExitLayers);
        Assert.Equal(6, full.Gamma);
        Assert.Equal(new[] { 0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 0.9 }, full.Etas);
        // Every (l, adapter) at η = 0, plus the attention adapter at every other η.
        Assert.Equal(3 * 3 + 3 * 7, KangarooExperiment.Settings(full).Count);
        Assert.True(KangarooConfig.For(true).EvalPrompts < full.EvalPrompts);
    }
}
