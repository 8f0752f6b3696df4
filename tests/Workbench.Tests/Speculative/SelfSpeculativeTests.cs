using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Models;
using Workbench.Models.Transformer;
using Workbench.Papers.Kangaroo;
using static TorchSharp.torch;

namespace Workbench.Tests.Speculative;

public class SelfSpeculativeTests
{
    static readonly TransformerLM Target = RandomModel(4, 32, 21);

    /// <summary>Like <see cref="SpeculativeTests.RandomModel"/> (unit-scale weights, peaked distributions), drawn from
    /// its own generator so the weights do not depend on what other tests draw from the global one meanwhile.</summary>
    internal static TransformerLM RandomModel(int layers, int dim, long seed, int vocab = 40)
    {
        var m = new TransformerLM(new TransformerConfig(vocab, dim, layers, 4, 2, dim * 2, MaxSeqLen: 128));
        using var random = new TorchSharp.torch.Generator((ulong)seed);
        using (no_grad())
            foreach (var (name, p) in m.named_parameters())
                if (!name.Contains("norm")) p.copy_(randn(p.shape, generator: random) / Math.Sqrt(name.Contains("embed") ? 1 : p.shape[1]));
        m.eval();
        return m;
    }

    /// <summary>An adapter whose residual branch is random (not the zero-initialised plain exit), scaled by
    /// <paramref name="scale"/> relative to unit-variance weights.</summary>
    internal static IExitAdapter RandomAdapter(TransformerLM target, AdapterKind kind, long seed, double scale = 1.0)
    {
        var adapter = KangarooAdapters.Create(kind, target, seed);
        using var random = new TorchSharp.torch.Generator((ulong)seed + 1);
        using (no_grad())
            foreach (var (name, p) in ((TorchSharp.torch.nn.Module)adapter).named_parameters())
                if (!name.Contains("norm")) p.copy_(randn(p.shape, generator: random) * scale / Math.Sqrt(p.shape[1]));
        return adapter;
    }

    /// <summary>A copy of the model whose blocks from <paramref name="from"/> on add nothing to the residual stream,
    /// so the exit at that layer computes exactly what the full model does.</summary>
    static TransformerLM WithIdentityBlocks(TransformerLM model, int from)
    {
        var copy = RandomModel(model.Config.Layers, model.Config.Dim, 21);
        using (no_grad())
            foreach (var (name, p) in copy.named_parameters())
            {
                int layer = name.StartsWith("model.layers.") ? int.Parse(name.Split('.')[2]) : -1;
                if (layer >= from && (name.EndsWith("o_proj.weight") || name.EndsWith("down_proj.weight"))) p.zero_();
            }
        return copy;
    }

    static SpeculativeTrace Run(TransformerLM target, int exitLayer, IExitAdapter? adapter, long[] prompt, int gamma, double? eta, int maxNew = 20)
    {
        using var drafter = new SelfDrafter(target, exitLayer, adapter);
        using var session = new SpeculativeSession(target, drafter, new GreedyVerifier(), prompt, new SpeculativeOptions(gamma, StopDraftBelow: eta, MaxNew: maxNew));
        return session.Run();
    }

    static void AssertCacheEqualsRecomputation(TransformerLM target, KvCache cache, IReadOnlyList<long> sequence)
    {
        using var fresh = target.NewCache();
        using (no_grad()) target.Forward(tensor(sequence.Take(sequence.Count - 1).ToArray()).unsqueeze(0), fresh);
        for (int layer = 0; layer < target.Config.Layers; layer++)
        {
            Assert.Equal(fresh.LengthOf(layer), cache.LengthOf(layer));
            Assert.True(cache.KeysOf(layer).allclose(fresh.KeysOf(layer), rtol: 0, atol: 1e-5), $"keys of layer {layer}");
            Assert.True(cache.ValuesOf(layer).allclose(fresh.ValuesOf(layer), rtol: 0, atol: 1e-5), $"values of layer {layer}");
        }
    }

    /// <summary>The adapter's cache must hold its keys/values of the layer-l states of every position but the pending
    /// one, except the states it keeps to see first next round.</summary>
    static void AssertAdapterCacheEqualsRecomputation(TransformerLM target, SelfDrafter drafter, IReadOnlyList<long> sequence)
    {
        var cache = drafter.AdapterCache!;
        Assert.Equal(sequence.Count - 1, cache.Length + drafter.Unfed);
        using var fresh = drafter.Adapter.NewCache(256)!;
        using (no_grad())
        {
            var states = target.RunLayers(target.Embed(tensor(sequence.Take(cache.Length).ToArray()).unsqueeze(0)), 0, drafter.ExitLayer);
            drafter.Adapter.Forward(states, 0, fresh);
        }
        Assert.True(cache.KeysOf(0).allclose(fresh.KeysOf(0), rtol: 0, atol: 1e-5), "adapter keys");
        Assert.True(cache.ValuesOf(0).allclose(fresh.ValuesOf(0), rtol: 0, atol: 1e-5), "adapter values");
    }

    [Fact]
    public void SelfSpeculativeEqualsGreedyForManyPromptsExitLayersAdaptersAndEtas()
    {
        var prompts = new[] { new long[] { 7 }, new long[] { 3, 9, 14 }, new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 } };
        var adapters = new IExitAdapter?[] { null, RandomAdapter(Target, AdapterKind.Mlp, 3, 0.5), RandomAdapter(Target, AdapterKind.Attention, 4, 0.5) };
        int accepted = 0, early = 0;
        foreach (var prompt in prompts)
        {
            var expected = Autoregressive.Generate(Target, prompt, 20).Generated;
            foreach (var l in new[] { 1, 2, 3 })
                foreach (var adapter in adapters)
                    foreach (var eta in new double?[] { null, 0.12, 0.2 }) // this random model's drafts have top-1 0.06..0.3
                        foreach (var gamma in new[] { 2, 6 })
                        {
                            var trace = Run(Target, l, adapter, prompt, gamma, eta);
                            Assert.Equal(expected, trace.Output);
                            accepted += trace.Steps.Sum(s => s.Accepted);
                            early += trace.Steps.Count(s => s.DraftStoppedEarly);
                        }
        }
        Assert.True(accepted > 100, $"only {accepted} drafts were ever kept: the test would not exercise acceptance");
        Assert.True(early > 20, $"drafting stopped early only {early} times");
    }

    [Fact]
    public void WhenEveryDraftIsKeptTheAdapterCatchesUpOnTheLastOneAndStaysLossless()
    {
        // Blocks 2 and 3 are identities, so the layer-2 exit is the full model; the adapter's branch is tiny but real,
        // so its cache contents matter while its argmax agrees with the plain exit.
        var target = WithIdentityBlocks(Target, 2);
        var adapter = RandomAdapter(target, AdapterKind.Attention, 8, 1e-3);
        var prompt = new long[] { 5, 11, 2 };
        using var drafter = new SelfDrafter(target, 2, adapter);
        using var session = new SpeculativeSession(target, drafter, new GreedyVerifier(), prompt, new SpeculativeOptions(4, MaxNew: 26));
        while (!session.Finished)
        {
            var step = session.Step();
            if (session.Finished) break;
            Assert.Equal(4, step.Accepted);
            Assert.Equal(Verdict.Bonus, step.NextVerdict);
            Assert.Equal(1, drafter.Unfed); // the last draft's state waits for the adapter (fed first next round)
            AssertCacheEqualsRecomputation(target, session.TargetCache, session.Sequence);
            AssertAdapterCacheEqualsRecomputation(target, drafter, session.Sequence);
        }
        Assert.Equal(Autoregressive.Generate(target, prompt, 26).Generated, session.Output);
    }

    [Fact]
    public void SharedCachesAfterEachRoundEqualARecomputation()
    {
        var adapter = RandomAdapter(Target, AdapterKind.Attention, 5, 0.3);
        foreach (var eta in new double?[] { null, 0.13 })
        {
            using var drafter = new SelfDrafter(Target, 2, adapter);
            using var session = new SpeculativeSession(Target, drafter, new GreedyVerifier(), new long[] { 4, 8, 15, 16 }, new SpeculativeOptions(5, StopDraftBelow: eta, MaxNew: 30));
            int rounds = 0;
            while (!session.Finished)
            {
                session.Step();
                if (session.Finished) break; // the last round may verify without drafting
                AssertCacheEqualsRecomputation(Target, session.TargetCache, session.Sequence);
                AssertAdapterCacheEqualsRecomputation(Target, drafter, session.Sequence);
                rounds++;
            }
            Assert.True(rounds > 3);
        }
    }

    [Fact]
    public void VerificationRunsOnlyTheLayersAfterTheExit()
    {
        var adapter = RandomAdapter(Target, AdapterKind.Attention, 6, 0.3);
        int layers = Target.Config.Layers;
        // Without the second exit every round drafts γ; with η above any confidence every round stops at once.
        foreach (var eta in new double?[] { null, 1.01 })
        {
            var trace = Run(Target, 3, adapter, new long[] { 2, 4, 6 }, gamma: 2, eta: eta, maxNew: 20);
            foreach (var s in trace.Steps.Where(s => s.Cost.DraftCalls > 0))
            {
                Assert.Equal(layers - 3, s.Cost.TargetLayers);
                // Every drafting call ran layers 0..2; a round that drafted all it could (γ, or fewer near the end of
                // the token budget) ran them once more for its last draft.
                int gamma = Math.Min(2, 20 - (s.ContextLength - 3) - 1);
                int tail = s.Drafted.Count == gamma ? 1 : 0;
                Assert.Equal(eta == null ? 1 : 0, tail);
                Assert.Equal(3 * (s.Cost.DraftCalls + tail), s.Cost.DraftLayers);
                Assert.Equal(s.DraftStoppedEarly ? s.Drafted.Count + 1 : s.Drafted.Count, s.Cost.DraftCalls);
            }
            // The ledger: the prompt prefill ran all layers once, each round's verification the layers after the exit.
            Assert.Equal(layers + trace.Steps.Sum(s => (long)s.Cost.TargetLayers), trace.Cost["target"].Layers);
            Assert.Equal(trace.Steps.Count + 1, trace.Cost["target"].Calls);
        }
    }

    [Fact]
    public void TheSecondExitStopsDraftingBelowEta()
    {
        var never = Run(Target, 2, null, new long[] { 4 }, gamma: 4, eta: 1.01, maxNew: 10);
        Assert.All(never.Steps, s => Assert.Empty(s.Drafted));
        Assert.All(never.Steps.SkipLast(1), s => Assert.True(s.DraftStoppedEarly)); // the last round had no budget to draft
        Assert.Equal(Autoregressive.Generate(Target, new long[] { 4 }, 10).Generated, never.Output);

        var prompt = new long[] { 4, 8, 15, 16, 23, 42 % 40 };
        var some = Run(Target, 2, RandomAdapter(Target, AdapterKind.Attention, 4, 0.5), prompt, gamma: 4, eta: 0.13, maxNew: 30);
        var drafted = some.Steps.SelectMany(s => s.Drafted).ToList();
        Assert.NotEmpty(drafted);
        Assert.All(drafted, d => Assert.True(d.DraftConfidence >= 0.13));
        Assert.Contains(some.Steps, s => s.DraftStoppedEarly && s.Drafted.Count < 4);
        Assert.Equal(Autoregressive.Generate(Target, prompt, 30).Generated, some.Output);
    }

    [Fact]
    public void ASelfDrafterMustDraftWithTheSessionsOwnTarget()
    {
        var other = RandomModel(4, 32, 22);
        using var drafter = new SelfDrafter(other, 2);
        var e = Assert.Throws<ArgumentException>(() => new SpeculativeSession(Target, drafter, new GreedyVerifier(), new long[] { 1, 2 }));
        Assert.Contains("this target's own layers", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SelfDrafter(Target, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SelfDrafter(Target, 0));
    }

    [Fact]
    public void ModelledSpeedupCountsTheWeightsEachCallReads()
    {
        var c = Target.Config;
        double block = SelfSpeculativeSpeed.BlockWeights(c), head = SelfSpeculativeSpeed.HeadWeights(c);
        Assert.Equal(c.ParameterCount - c.VocabSize * c.Dim - head, c.Layers * block, 6); // blocks + final norm + head = all but the embedding
        // Drafting never kept anything: four rounds read l blocks + head (one drafting call) and L - l blocks + head
        // (verification) for one token each; the fifth has no budget to draft and verifies with every layer.
        var trace = Run(Target, 1, null, new long[] { 4 }, gamma: 4, eta: 1.01, maxNew: 5);
        Assert.Equal(5, trace.Steps.Count);
        double decode = c.Layers * block + head;
        double expected = 5 * decode / (4 * (block + head + (c.Layers - 1) * block + head) + decode);
        Assert.Equal(expected, SelfSpeculativeSpeed.Modelled(new[] { trace }, c, 0), 9);
        Assert.True(expected < 1);
    }
}
