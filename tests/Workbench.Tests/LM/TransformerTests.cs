using TorchSharp;
using Workbench.Models;
using Workbench.Models.Transformer;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Tests.LM;

public class TransformerTests
{
    static TransformerLM Model(int kvHeads = 2, bool tied = false, int layers = 3, long seed = 11)
    {
        TorchRuntime.Seed(seed);
        var m = new TransformerLM(new TransformerConfig(VocabSize: 50, Dim: 32, Layers: layers, Heads: 4, KvHeads: kvHeads,
            HiddenDim: 64, MaxSeqLen: 64, TiedEmbeddings: tied));
        m.eval();
        return m;
    }

    static Tensor Ids(params long[] ids) => tensor(ids).unsqueeze(0);

    static readonly long[] Sequence = { 3, 17, 4, 4, 29, 8, 1, 42, 13, 7, 7, 2 };

    [Fact]
    public void AttentionInitScaleWidensOnlyQueryKeyAndValueProjections()
    {
        var config = new TransformerConfig(VocabSize: 50, Dim: 32, Layers: 2, Heads: 4, KvHeads: 2, HiddenDim: 64, MaxSeqLen: 64);
        TorchRuntime.Seed(5);
        using var plain = new TransformerLM(config);
        TorchRuntime.Seed(5);
        using var sharp = new TransformerLM(config, attentionInitScale: 3.0);
        var sharpParams = sharp.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var scaled = new List<string>();
        foreach (var (name, p) in plain.named_parameters())
        {
            bool qkv = name.EndsWith("q_proj.weight") || name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight");
            // Same random draws, three times the spread; everything else (o_proj included) identical.
            Assert.True(qkv ? allclose(sharpParams[name], p * 3, rtol: 1e-6, atol: 1e-7) : sharpParams[name].eq(p).all().item<bool>(), name);
            if (qkv) scaled.Add(name);
        }
        Assert.Equal(6, scaled.Count); // q, k, v in each of 2 blocks
        Assert.Throws<ArgumentException>(() => new TransformerLM(config, attentionInitScale: 0));
    }

    [Fact]
    public void ParameterNamesFollowHuggingFaceLlama()
    {
        var names = Model().state_dict().Keys.ToHashSet();
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.Contains("model.layers.2.self_attn.k_proj.weight", names);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", names);
        Assert.Contains("model.layers.1.post_attention_layernorm.weight", names);
        Assert.Contains("model.norm.weight", names);
        Assert.Contains("lm_head.weight", names);
        Assert.DoesNotContain(names, n => n.Contains("rope")); // rotary tables are rebuilt, not stored: {string.Join(",", names)}
        Assert.DoesNotContain("lm_head.weight", Model(tied: true).state_dict().Keys);
        Assert.Equal(Model().Config.ParameterCount, Model().parameters().Sum(p => p.numel()));
        Assert.Equal(new long[] { 16, 32 }, Model().state_dict()["model.layers.0.self_attn.v_proj.weight"].shape); // 2 kv heads x 8
    }

    [Fact]
    public void OneTokenDecodeMatchesFullRecomputation()
    {
        using var _ = no_grad();
        var m = Model();
        var full = m.Forward(Ids(Sequence));
        using var cache = m.NewCache();
        var steps = Sequence.Select(id => m.Forward(Ids(id), cache)).ToList();
        var decoded = cat(steps, 1);
        Assert.True(decoded.allclose(full, rtol: 0, atol: 1e-5), $"max diff {(decoded - full).abs().max().item<float>()}");
        Assert.Equal(Sequence.Length, cache.Length);
    }

    [Fact]
    public void ChunkAppendedToACacheMatchesFullRecomputation()
    {
        using var _ = no_grad();
        foreach (var (kv, tied) in new[] { (4, false), (2, false), (1, true) })
        {
            var m = Model(kv, tied);
            var full = m.Forward(Ids(Sequence));
            using var cache = m.NewCache();
            var prefill = m.Forward(Ids(Sequence[..5]), cache);
            var chunk = m.Forward(Ids(Sequence[5..9]), cache); // a draft of 4 tokens verified in one pass
            var tail = m.Forward(Ids(Sequence[9..]), cache);
            var stitched = cat(new[] { prefill, chunk, tail }, 1);
            Assert.True(stitched.allclose(full, rtol: 0, atol: 1e-5), $"kv={kv}: max diff {(stitched - full).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void RollbackLeavesTheCacheAsARecomputationWould()
    {
        using var _ = no_grad();
        var m = Model();
        using var cache = m.NewCache();
        m.Forward(Ids(Sequence[..6]), cache);
        m.Forward(Ids(30, 31, 32, 33), cache);   // drafted tokens, then rejected
        cache.Truncate(6);
        var after = m.Forward(Ids(Sequence[6..]), cache);

        using var fresh = m.NewCache();
        var expected = m.Forward(Ids(Sequence), fresh).narrow(1, 6, Sequence.Length - 6);
        Assert.True(after.allclose(expected, rtol: 0, atol: 1e-5));
        for (int layer = 0; layer < m.Config.Layers; layer++)
        {
            Assert.Equal(fresh.LengthOf(layer), cache.LengthOf(layer));
            Assert.True(cache.KeysOf(layer).allclose(fresh.KeysOf(layer), rtol: 0, atol: 1e-6));
            Assert.True(cache.ValuesOf(layer).allclose(fresh.ValuesOf(layer), rtol: 0, atol: 1e-6));
        }
    }

    [Fact]
    public void LayerRangesComposeAndShallowLayersMayRunAhead()
    {
        using var _ = no_grad();
        var m = Model(layers: 4);
        var full = m.Forward(Ids(Sequence));
        var h = m.RunLayers(m.Embed(Ids(Sequence)), 0, 2);
        var split = m.Head(m.RunLayers(h, 2, 4));
        Assert.True(split.allclose(full, rtol: 0, atol: 1e-5));

        // Self-speculation: layers 0..1 process tokens one at a time, layers 2..3 catch up with a chunk.
        using var cache = m.NewCache();
        m.Forward(Ids(Sequence[..4]), cache);
        var shallow = Sequence[4..8].Select(id => m.RunLayers(m.Embed(Ids(id)), 0, 2, cache)).ToList();
        Assert.Equal(8, cache.LengthOf(1));
        Assert.Equal(4, cache.LengthOf(3));
        var caughtUp = m.Head(m.RunLayers(cat(shallow, 1), 2, 4, cache));
        Assert.True(caughtUp.allclose(full.narrow(1, 4, 4), rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void TapsRecordLayerStatesAndCausalAttentionWithoutChangingTheOutput()
    {
        using var _ = no_grad();
        var m = Model();
        var plain = m.Forward(Ids(Sequence));
        using var taps = new TapSet("blocks.*.resid_post", "blocks.1.attn.scores", "final_norm");
        var tapped = m.Forward(Ids(Sequence), taps: taps);
        Assert.True(tapped.allclose(plain, rtol: 0, atol: 1e-5));
        Assert.True(m.Head(taps["blocks.2.resid_post"]).allclose(plain, rtol: 0, atol: 1e-5)); // the logit lens at the top is the model
        var scores = taps["blocks.1.attn.scores"]; // [1, heads, T, T]
        Assert.Equal(new long[] { 1, 4, Sequence.Length, Sequence.Length }, scores.shape);
        Assert.True(scores.sum(-1).allclose(ones(1, 4, Sequence.Length), atol: 1e-5));
        Assert.Equal(0f, scores.triu(1).abs().sum().item<float>()); // no attention to the future
        Assert.False(taps.Contains("blocks.0.attn.scores"));
    }

    [Fact]
    public void MaskForAChunkIsBottomRightAligned()
    {
        var mask = Attention.CausalMask(2, 5, CPU);
        Assert.Equal(0f, mask[0, 3].item<float>());                    // query at position 3 sees key 3
        Assert.Equal(float.NegativeInfinity, mask[0, 4].item<float>()); // but not key 4
        Assert.Equal(0f, mask[1, 4].item<float>());
    }
}
