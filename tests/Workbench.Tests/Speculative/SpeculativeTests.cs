using TorchSharp;
using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Models.Transformer;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Tests.Speculative;

public class SpeculativeTests
{
    /// <summary>A random model with unit-scale weights: peaked distributions, so argmax ties cannot blur the test.</summary>
    internal static TransformerLM RandomModel(int layers, int dim, long seed, int vocab = 40)
    {
        TorchRuntime.Seed(seed);
        var m = new TransformerLM(new TransformerConfig(vocab, dim, layers, 4, 2, dim * 2, MaxSeqLen: 128));
        using (no_grad())
            foreach (var (name, p) in m.named_parameters())
                if (!name.Contains("norm")) p.copy_(randn_like(p) / Math.Sqrt(name.Contains("embed") ? 1 : p.shape[1]));
        m.eval();
        return m;
    }

    static readonly TransformerLM Target = RandomModel(3, 32, 1);
    static readonly TransformerLM Draft = RandomModel(1, 16, 2);

    [Fact]
    public void GreedySpeculativeEqualsGreedyAutoregressiveForManyPromptsAndGammas()
    {
        var rng = new Random(5);
        int rounds = 0, accepted = 0;
        for (int trial = 0; trial < 12; trial++)
        {
            var prompt = Enumerable.Range(0, 1 + rng.Next(8)).Select(_ => (long)rng.Next(40)).ToArray();
            var expected = Autoregressive.Generate(Target, prompt, 20).Generated;
            foreach (var gamma in new[] { 1, 2, 3, 5, 8 })
            {
                using var drafter = new ModelDrafter(Draft, 64);
                using var session = new SpeculativeSession(Target, drafter, new GreedyVerifier(), prompt, new SpeculativeOptions(gamma, MaxNew: 20));
                var trace = session.Run();
                Assert.Equal(expected, trace.Output);
                rounds += trace.Steps.Count;
                accepted += trace.Steps.Sum(s => s.Accepted);
            }
        }
        Assert.True(accepted > 0, "the draft never agreed with the target: the test would not exercise acceptance");
    }

    [Fact]
    public void TheTargetAsItsOwnDraftAcceptsEverythingAndAddsABonus()
    {
        using var drafter = new ModelDrafter(Target, 64);
        using var session = new SpeculativeSession(Target, drafter, new GreedyVerifier(), new long[] { 3, 9 }, new SpeculativeOptions(4, MaxNew: 20));
        var trace = session.Run();
        Assert.Equal(4, trace.Steps.Count); // 5 tokens per target call
        Assert.All(trace.Steps, s => Assert.Equal(Verdict.Bonus, s.NextVerdict));
        Assert.Equal(Autoregressive.Generate(Target, new long[] { 3, 9 }, 20).Generated, trace.Output);
        Assert.Equal(5.0, SpeculativeMetrics.Of(trace).MeanTokensPerTargetCall);
    }

    [Fact]
    public void RollbackLeavesTheTargetCacheAsARecomputationWould()
    {
        using var drafter = new ModelDrafter(Draft, 64);
        var prompt = new long[] { 1, 2, 3 };
        using var session = new SpeculativeSession(Target, drafter, new GreedyVerifier(), prompt, new SpeculativeOptions(5, MaxNew: 17));
        session.Run();
        var sequence = session.Sequence;
        using var fresh = Target.NewCache();
        using (no_grad()) Target.Forward(tensor(sequence.Take(sequence.Count - 1).ToArray()).unsqueeze(0), fresh);
        var cache = session.TargetCache;
        for (int layer = 0; layer < Target.Config.Layers; layer++)
        {
            Assert.Equal(fresh.LengthOf(layer), cache.LengthOf(layer));
            Assert.True(cache.KeysOf(layer).allclose(fresh.KeysOf(layer), rtol: 0, atol: 1e-5));
            Assert.True(cache.ValuesOf(layer).allclose(fresh.ValuesOf(layer), rtol: 0, atol: 1e-5));
        }
    }

    [Fact]
    public void MismatchedVocabulariesAreAClearError()
    {
        using var drafter = new ModelDrafter(RandomModel(1, 16, 3, vocab: 41), 32);
        var e = Assert.Throws<ArgumentException>(() => new SpeculativeSession(Target, drafter, new GreedyVerifier(), new long[] { 1 }));
        Assert.Equal("mismatched vocabularies: the draft has 41 tokens, the target 40", e.Message);
    }

    [Fact]
    public void DynamicDraftLengthStopsWhenTheDraftIsUnsure()
    {
        using var never = new ModelDrafter(Draft, 64);
        using var s1 = new SpeculativeSession(Target, never, new GreedyVerifier(), new long[] { 4 }, new SpeculativeOptions(4, StopDraftBelow: 1.01, MaxNew: 10));
        var t1 = s1.Run();
        Assert.All(t1.Steps, s => Assert.Empty(s.Drafted)); // no draft is ever that sure: plain decoding
        Assert.Equal(10, t1.Steps.Count);
        Assert.Equal(Autoregressive.Generate(Target, new long[] { 4 }, 10).Generated, t1.Output);

        // A threshold at the median confidence the draft shows without one: some rounds stop early, some draft.
        using var free = new ModelDrafter(Draft, 64);
        using var s0 = new SpeculativeSession(Target, free, new GreedyVerifier(), new long[] { 4 }, new SpeculativeOptions(4, MaxNew: 30));
        var confidences = s0.Run().Steps.SelectMany(s => s.Drafted).Select(d => d.DraftConfidence).Order().ToArray();
        Assert.True(confidences[0] < confidences[^1], "greedy drafting must report the draft's own confidence, not a one-hot 1");
        double median = confidences[confidences.Length / 2];
        using var some = new ModelDrafter(Draft, 64);
        using var s2 = new SpeculativeSession(Target, some, new GreedyVerifier(), new long[] { 4 }, new SpeculativeOptions(4, StopDraftBelow: median, MaxNew: 30));
        var t2 = s2.Run();
        Assert.All(t2.Steps.SelectMany(s => s.Drafted), d => Assert.True(d.DraftConfidence >= median));
        Assert.Contains(t2.Steps, s => s.DraftStoppedEarly);
        Assert.Contains(t2.Steps, s => s.Drafted.Count > 0);
        Assert.Equal(Autoregressive.Generate(Target, new long[] { 4 }, 30).Generated, t2.Output);
    }
}
