using Workbench.Decoding;
using Workbench.Models;
using Workbench.Models.Transformer;
using Workbench.TokenDrop;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Tests.Shared;

public class TokenDropTests
{
    static TransformerLM Model(int layers = 4)
    {
        TorchRuntime.Seed(5);
        var m = new TransformerLM(new TransformerConfig(VocabSize: 40, Dim: 32, Layers: layers, Heads: 4, KvHeads: 2, HiddenDim: 64, MaxSeqLen: 64));
        m.eval();
        return m;
    }

    static long[] Ids(int n, int seed = 3) => Enumerable.Range(0, n).Select(i => (long)((i * 7 + seed * 13) % 37 + 1)).ToArray();

    // First 12 tokens droppable ("image patches"), the last 4 kept ("the question").
    static bool[] Mask(int n, int droppable) => Enumerable.Range(0, n).Select(i => i < droppable).ToArray();

    [Fact]
    public void ExplicitPositionsEqualTheDefaultOnes()
    {
        var m = Model();
        using var _ = no_grad();
        var h = m.Embed(tensor(Ids(10)).unsqueeze(0));
        var byDefault = m.RunLayers(h, 0, 4);
        var explicitPositions = m.RunLayers(h, 0, 4, positions: arange(10, dtype: ScalarType.Int64));
        Assert.True(byDefault.allclose(explicitPositions, rtol: 0, atol: 1e-6));
        var shifted = m.RunLayers(h, 0, 4, start: 5);
        var batched = m.RunLayers(h, 0, 4, positions: arange(5, 15, dtype: ScalarType.Int64).unsqueeze(0));
        Assert.True(shifted.allclose(batched, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void QueryLogitsAreTheAttentionRowTheLayerComputes()
    {
        var m = Model();
        using var _ = no_grad();
        using var taps = new TapSet("blocks.2.attn.scores", "blocks.1.resid_post");
        m.Forward(tensor(Ids(12)).unsqueeze(0), taps: taps);
        var probs = m.QueryLogits(taps["blocks.1.resid_post"], 2, 11).softmax(-1); // [1, heads, 12]
        var row = taps["blocks.2.attn.scores"].select(2, 11);                      // [1, heads, 12]
        Assert.True(probs.allclose(row, rtol: 0, atol: 1e-5));
        // An earlier query sees only the keys before it.
        var early = m.QueryLogits(taps["blocks.1.resid_post"], 2, 4).softmax(-1);
        Assert.True(early.narrow(2, 5, 7).abs().max().item<float>() == 0f);
        Assert.True(early.allclose(taps["blocks.2.attn.scores"].select(2, 4), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void KeepTopKKeepsProtectedTokensAndSequenceOrder()
    {
        var scores = tensor(new float[] { 0.1f, 0.9f, 0.3f, 0.8f, 0.0f, 0.2f, 0.05f, 0.7f }).reshape(2, 4);
        var droppable = tensor(new[] { true, true, true, false });
        var kept = TokenScores.KeepTopK(scores, droppable, 1);
        Assert.Equal(new long[] { 1, 3 }, kept[0].data<long>().ToArray()); // 0.9 wins; the protected token stays
        Assert.Equal(new long[] { 1, 3 }, kept[1].data<long>().ToArray()); // 0.2 beats 0.0 and 0.05
        Assert.Throws<ArgumentException>(() => TokenScores.KeepTopK(scores, droppable, 4));
    }

    [Fact]
    public void PooledLogitSumsSmoothNeighboursAndIgnoreFutureKeys()
    {
        var logits = tensor(new float[] { 0, 0, 6, 0, 0, float.NegativeInfinity, 1, 1, 1, 1, 1, float.NegativeInfinity }).reshape(1, 2, 6);
        var pooled = TokenScores.Score(logits, TokenScoring.LogitSumPooled, pool: 3).data<float>().ToArray();
        Assert.Equal(new[] { 1f, 3f, 3f, 3f, 1f }, pooled.Take(5).Select(x => MathF.Round(x, 5)).ToArray()); // heads summed: 1 1 7 1 1
        Assert.Equal(float.NegativeInfinity, pooled[5]);
        var mean = TokenScores.Score(logits, TokenScoring.SoftmaxMeanOverHeads);
        Assert.Equal(1f, mean.sum().item<float>(), 5);
    }

    [Fact]
    public void RandomRankIgnoresAttentionRepeatsAndNeverPicksFutureKeys()
    {
        var peaked = tensor(new float[] { 9, 0, 0, 0, 0, float.NegativeInfinity, 9, 0, 0, 0, 0, float.NegativeInfinity }).reshape(1, 2, 6);
        var flat = tensor(new float[] { 0, 0, 0, 0, 9, float.NegativeInfinity, 0, 0, 0, 0, 9, float.NegativeInfinity }).reshape(1, 2, 6);
        var a = TokenScores.Score(peaked, TokenScoring.Random).data<float>().ToArray();
        var b = TokenScores.Score(flat, TokenScoring.Random).data<float>().ToArray();
        Assert.Equal(a, b); // the attention does not matter, and the same seed gives the same rank every call
        Assert.Equal(float.NegativeInfinity, a[5]);
        Assert.All(a.Take(5), x => Assert.InRange(x, 0f, 1f));
        Assert.True(a.Take(5).Distinct().Count() == 5);
    }

    [Fact]
    public void NoDropIsTheFullModelAndAnEarlyDropIsTheModelOnTheKeptTokensAtTheirPositions()
    {
        var m = Model();
        using var _ = no_grad();
        var ids = Ids(16);
        var embeddings = m.Embed(tensor(ids).unsqueeze(0));
        var mask = Mask(16, 12);
        var full = DroppedForward.Run(m, embeddings, mask, DropSchedule.None);
        Assert.True(full.Logits.allclose(m.Forward(tensor(ids).unsqueeze(0))[0, 15].unsqueeze(0), rtol: 0, atol: 1e-5));
        Assert.Equal(full.FullFlops, full.Flops);

        // Dropping before layer 0 = running the model on the survivors, each at its original position.
        var dropped = DroppedForward.Run(m, embeddings, mask, DropSchedule.Single(0, 0.25));
        var kept = dropped.Stages.Single().Kept[0];
        Assert.Equal(3 + 4, kept.Length);
        Assert.Equal(new long[] { 12, 13, 14, 15 }, kept.TakeLast(4).ToArray());
        var keptIds = tensor(kept.Select(i => ids[i]).ToArray()).unsqueeze(0);
        var reference = m.Head(m.RunLayers(m.Embed(keptIds), 0, 4, positions: tensor(kept))).select(1, kept.Length - 1);
        Assert.True(dropped.Logits.allclose(reference, rtol: 0, atol: 1e-5));
        // ...and it is not the same as renumbering them 0..6 (positions matter).
        var renumbered = m.Forward(keptIds).select(1, kept.Length - 1);
        Assert.False(dropped.Logits.allclose(renumbered, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void PyramidStagesShrinkAndCountTheirFlops()
    {
        var m = Model(layers: 8);
        using var _ = no_grad();
        var embeddings = m.Embed(tensor(Ids(24)).unsqueeze(0)).expand(2, 24, 32).contiguous();
        var schedule = DropSchedule.Pyramid(8);
        Assert.Equal(new[] { 2, 4, 6 }, schedule.Stages.Select(s => s.Layer).ToArray());
        var result = DroppedForward.Run(m, embeddings, Mask(24, 16), schedule);
        Assert.Equal(new[] { 24, 24, 16, 16, 12, 12, 10, 10 }, result.TokensPerLayer); // 16 patches -> 8, 4, 2 + 8 kept
        Assert.Equal(3, result.Stages.Count);
        foreach (var (stage, i) in result.Stages.Select((s, i) => (s, i)))
            for (int sample = 0; sample < 2; sample++)
                Assert.True(i == 0 || result.Stages[i - 1].Kept[sample].Intersect(stage.Kept[sample]).Count() == stage.Kept[sample].Length,
                    "a later stage keeps a subset of the earlier one");
        Assert.Equal(result.Stages[2].Kept[0], result.Stages[2].Kept[1]); // same input, same choice
        Assert.InRange(result.DroppableFlopsShare, 0.2, 0.6);
        Assert.True(result.Flops < result.FullFlops && result.Flops > result.KeptOnlyFlops);
        Assert.Throws<ArgumentException>(() => DroppedForward.Run(m, embeddings, Mask(24, 24), schedule)); // the query must stay
    }

    [Fact]
    public void GemFilterKeepingEverythingIsTheFullModelAndItsSecondPassRenumbers()
    {
        var m = Model();
        var ids = Ids(20);
        var mask = Mask(20, 16);
        var all = GemFilter.Select(m, ids, mask, layer: 2, keep: 16);
        Assert.Equal(ids, all.SelectedIds);
        Assert.Equal(1.0, (all.SecondPassFlops) / all.FullFlops, 9);

        var some = GemFilter.Select(m, ids, mask, layer: 1, keep: 4);
        Assert.Equal(8, some.Selected.Length);
        Assert.True(some.Selected.SequenceEqual(some.Selected.Order()));
        Assert.Equal(new long[] { 16, 17, 18, 19 }, some.Selected.TakeLast(4).ToArray());
        // Layer 1 of 4 over 20 tokens, then 4 layers over 8: about 1/4 + 8/20 of the full prompt's FLOPs.
        Assert.InRange(some.FlopsShare, 0.6, 0.7);

        var byLayer = GemFilter.SelectionByLayer(m, ids, mask, keep: 4);
        Assert.Equal(4, byLayer.Length);
        Assert.Equal(some.Selected, byLayer[1]); // the same ranking whether or not the later layers run
    }

    [Fact]
    public void SnapKvKeepingEverythingDecodesLikeTheFullModelAndEvictionShrinksEachLayer()
    {
        var m = Model();
        var prompt = Ids(24);
        var full = Autoregressive.Generate(m, prompt, 6).Generated.ToArray();
        var all = SnapKv.Generate(m, prompt, keep: 16, maxNew: 6, window: 8);
        Assert.Equal(full, all.Generated);

        var some = SnapKv.Generate(m, prompt, keep: 4, maxNew: 6, window: 8);
        Assert.Equal(full[0], some.Generated[0]); // the first token comes from the full prefill
        Assert.All(some.Kept, layer => Assert.All(layer, head =>
        {
            Assert.Equal(12, head.Length);
            Assert.Equal(Enumerable.Range(16, 8).Select(i => (long)i), head.TakeLast(8));
            Assert.True(head.SequenceEqual(head.Order()));
        }));
        Assert.True(some.DecodeFlops < all.DecodeFlops);
        Assert.Equal(all.PrefillFlops, some.PrefillFlops);
    }

    [Fact]
    public void KeepingCacheEntriesMatchesACacheOfOnlyThoseTokensAtTheirPositions()
    {
        var m = Model();
        using var _ = no_grad();
        var ids = Ids(10);
        using var cache = m.NewCache(capacity: 16);
        m.Forward(tensor(ids).unsqueeze(0), cache);
        var kept = new long[] { 0, 3, 4, 9 };
        // Only valid for layer 0, whose keys depend on its own token alone: compare with a fresh cache of the kept tokens.
        using var fresh = m.NewCache(capacity: 16);
        m.RunLayers(m.Embed(tensor(kept.Select(i => ids[i]).ToArray()).unsqueeze(0)), 0, 1, fresh, positions: tensor(kept));
        cache.Keep(0, tensor(kept));
        Assert.Equal(4, cache.LengthOf(0));
        Assert.True(cache.KeysOf(0).allclose(fresh.KeysOf(0), rtol: 0, atol: 1e-6));
        Assert.True(cache.ValuesOf(0).allclose(fresh.ValuesOf(0), rtol: 0, atol: 1e-6));
        Assert.Throws<ArgumentException>(() => cache.Keep(0, tensor(new long[] { 7 })));
    }
}
