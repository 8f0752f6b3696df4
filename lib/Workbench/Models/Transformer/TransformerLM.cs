using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Transformer;

/// <summary>A decoder-only language model (Llama family) with every forward mode the decoding and early-exit papers
/// need: full sequence, prefill, one-token decode, a multi-token chunk appended to a cache, and running only layers
/// [from, to) from given hidden states. Parameter names match Hugging Face Llama (model.layers.3.self_attn.q_proj…).</summary>
/// <remarks>Taps: <c>embed</c>, <c>blocks.{i}.attn.scores</c>, <c>blocks.{i}.attn.out</c>, <c>blocks.{i}.resid_mid</c>,
/// <c>blocks.{i}.mlp.out</c>, <c>blocks.{i}.resid_post</c>, <c>final_norm</c>.</remarks>
public sealed class TransformerLM : nn.Module
{
    [ComponentName(Name = "model")] readonly Body _body;
    [ComponentName(Name = "lm_head")] readonly Linear? _head;
    [ComponentName(Name = "rope")] readonly RotaryEmbedding _rope;

    /// <summary>Builds a randomly initialised model (seed torch first for repeatable weights).</summary>
    /// <param name="attentionInitScale">Multiplies the initial spread of the query, key and value projections. At the
    /// default spread (0.02) every attention row starts almost uniform, and retrieval (copy a count found by a name,
    /// read the patch at a cell) waits out a long plateau; a larger start lets heads pick tokens from the first steps.
    /// A training choice, not part of the shape: checkpoints overwrite it.</param>
    public TransformerLM(TransformerConfig config, double attentionInitScale = 1.0) : base(nameof(TransformerLM))
    {
        if (!(attentionInitScale > 0)) throw new ArgumentException($"attention init scale must be positive, got {attentionInitScale}");
        Config = config.Validate();
        _body = new Body(config);
        if (!config.TiedEmbeddings) _head = nn.Linear(config.Dim, config.VocabSize, hasBias: false);
        _rope = new RotaryEmbedding(config.HeadDim, config.MaxSeqLen, config.RopeTheta);
        RegisterComponents();
        InitWeights(attentionInitScale);
    }

    /// <summary>The shape of this model.</summary>
    public TransformerConfig Config { get; }

    /// <summary>The blocks, in order.</summary>
    public IReadOnlyList<TransformerBlock> Blocks => _body.Layers.ToList();

    /// <summary>Logits [B, T, V] for ids [B, T]. With a cache the tokens are appended after what it holds (prefill when
    /// empty, one-token decode, or a chunk of drafted tokens to verify); without one the sequence starts at position 0.</summary>
    public Tensor Forward(Tensor ids, KvCache? cache = null, TapSet? taps = null)
    {
        using var scope = NewDisposeScope();
        var hidden = RunLayers(Embed(ids, taps), 0, Config.Layers, cache, taps);
        return Head(hidden, taps).MoveToOuterDisposeScope();
    }

    /// <summary>Token embeddings [B, T, d].</summary>
    public Tensor Embed(Tensor ids, TapSet? taps = null)
    {
        var h = _body.Embedding.forward(ids);
        taps?.Record("embed", h);
        return h;
    }

    /// <summary>Runs blocks [from, to) on hidden states [B, T, d]. Positions start at the cache length of layer
    /// <paramref name="from"/> (or <paramref name="start"/>, or 0 without a cache), unless explicit
    /// <paramref name="positions"/> ([T] or [B, T]) are given.</summary>
    public Tensor RunLayers(Tensor hidden, int from, int to, KvCache? cache = null, TapSet? taps = null, long? start = null,
        Tensor? positions = null)
    {
        if (from < 0 || to > Config.Layers || from > to)
            throw new ArgumentOutOfRangeException(nameof(from), $"layer range [{from}, {to}) is outside 0..{Config.Layers}");
        long position = start ?? cache?.LengthOf(Math.Min(from, Config.Layers - 1)) ?? 0;
        var h = hidden;
        for (int i = from; i < to; i++) h = _body.Layers[i].Forward(h, _rope, position, cache, i, taps, positions);
        return h;
    }

    /// <summary>Pre-softmax attention logits [B, heads, T] of layer <paramref name="layer"/> from the token at
    /// <paramref name="query"/>, given that layer's input <paramref name="hidden"/> [B, T, d] (no cache).</summary>
    public Tensor QueryLogits(Tensor hidden, int layer, long query, Tensor? positions = null) =>
        _body.Layers[layer].QueryLogits(hidden, _rope, query, positions);

    /// <summary>Final norm and output head: logits [B, T, V] from hidden states [B, T, d].</summary>
    public Tensor Head(Tensor hidden, TapSet? taps = null)
    {
        var normed = FinalNorm(hidden);
        taps?.Record("final_norm", normed);
        return Project(normed);
    }

    /// <summary>The final RMSNorm: the "last-layer embedding" the output head (and a judge head) reads.</summary>
    public Tensor FinalNorm(Tensor hidden) => _body.Norm.forward(hidden);

    /// <summary>The output head alone: logits from final-normed states.</summary>
    public Tensor Project(Tensor normed) => _head != null ? _head.forward(normed) : F.linear(normed, _body.Embedding.weight!);

    /// <summary>A fresh KV cache sized for this model.</summary>
    public KvCache NewCache(int batch = 1, int? capacity = null) =>
        new(Config, batch, capacity, parameters().First().device);

    /// <summary>Cross-entropy of next-token prediction over ids [B, T] (positions 0..T-2 predict 1..T-1);
    /// targets equal to <paramref name="ignoreIndex"/> are skipped.</summary>
    public Tensor NextTokenLoss(Tensor ids, long ignoreIndex = -100)
    {
        using var scope = NewDisposeScope();
        long t = ids.shape[1];
        var logits = Forward(ids.narrow(1, 0, t - 1));
        var targets = ids.narrow(1, 1, t - 1);
        return F.cross_entropy(logits.reshape(-1, Config.VocabSize), targets.reshape(-1), ignore_index: ignoreIndex)
            .MoveToOuterDisposeScope();
    }

    /// <summary>GPT-2/Llama-style init: normal(0, 0.02) weights, scaled down on residual outputs, unit norms.</summary>
    void InitWeights(double attentionInitScale)
    {
        using var _ = no_grad();
        double residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("layernorm.weight") || name == "model.norm.weight") p.fill_(1.0);
            else if (name.EndsWith("o_proj.weight") || name.EndsWith("down_proj.weight")) nn.init.normal_(p, 0, residualStd);
            else if (name.EndsWith("q_proj.weight") || name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight"))
                nn.init.normal_(p, 0, 0.02 * attentionInitScale);
            else nn.init.normal_(p, 0, 0.02);
        }
    }

    /// <summary>Embedding, blocks and final norm, registered as "model" so names match Hugging Face checkpoints.</summary>
    sealed class Body : nn.Module
    {
        [ComponentName(Name = "embed_tokens")] public readonly Embedding Embedding;
        [ComponentName(Name = "layers")] public readonly ModuleList<TransformerBlock> Layers;
        [ComponentName(Name = "norm")] public readonly RmsNorm Norm;

        public Body(TransformerConfig c) : base("LlamaModel")
        {
            Embedding = nn.Embedding(c.VocabSize, c.Dim);
            Layers = new ModuleList<TransformerBlock>(Enumerable.Range(0, c.Layers).Select(_ => new TransformerBlock(c)).ToArray());
            Norm = new RmsNorm(c.Dim, c.NormEps);
            RegisterComponents();
        }
    }
}
