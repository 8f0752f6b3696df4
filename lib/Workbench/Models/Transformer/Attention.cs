using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Transformer;

/// <summary>Grouped-query self-attention with rotary positions, reading and writing a layer of the KV cache.</summary>
public sealed class Attention : nn.Module
{
    // Names follow Hugging Face Llama so checkpoints load by name.
    [ComponentName(Name = "q_proj")] readonly Linear _q;
    [ComponentName(Name = "k_proj")] readonly Linear _k;
    [ComponentName(Name = "v_proj")] readonly Linear _v;
    [ComponentName(Name = "o_proj")] readonly Linear _o;
    readonly int _heads, _kvHeads, _headDim;

    /// <summary>Projections named as in Hugging Face Llama (q_proj, k_proj, v_proj, o_proj; no biases).</summary>
    public Attention(TransformerConfig c) : base(nameof(Attention))
    {
        _heads = c.Heads;
        _kvHeads = c.KvHeads;
        _headDim = c.HeadDim;
        _q = nn.Linear(c.Dim, c.Heads * c.HeadDim, hasBias: false);
        _k = nn.Linear(c.Dim, c.KvHeads * c.HeadDim, hasBias: false);
        _v = nn.Linear(c.Dim, c.KvHeads * c.HeadDim, hasBias: false);
        _o = nn.Linear(c.Heads * c.HeadDim, c.Dim, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Attends x [B, T, d] (tokens at positions start..start+T-1) over the cached prefix and itself.</summary>
    /// <param name="cache">When given, keys/values are appended to layer <paramref name="layer"/> and the new tokens
    /// attend to everything cached before them (causal within the chunk).</param>
    /// <param name="scoresTap">When given, receives the attention probabilities [B, heads, T, S].</param>
    /// <param name="positions">Explicit positions ([T] or [B, T]) instead of start..start+T-1, for tokens that kept
    /// their original positions after others were dropped. Causality still follows the order of the tokens.</param>
    public Tensor Forward(Tensor x, RotaryEmbedding rope, long start, KvCache? cache, int layer, Action<Tensor>? scoresTap = null,
        Tensor? positions = null)
    {
        long b = x.shape[0], t = x.shape[1];
        // (B, T, d) -> (B, heads, T, headDim)
        var q = Rotate(rope, _q.forward(x).view(b, t, _heads, _headDim).transpose(1, 2), start, positions);
        var k = Rotate(rope, _k.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2), start, positions);
        var v = _v.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        if (cache != null) (k, v) = cache.Append(layer, k, v);
        long s = k.shape[2]; // keys visible: cached prefix + this chunk
        if (_kvHeads != _heads)
        {
            k = k.repeat_interleave(_heads / _kvHeads, dim: 1);
            v = v.repeat_interleave(_heads / _kvHeads, dim: 1);
        }
        Tensor mixed;
        if (scoresTap == null)
        {
            // One new token sees every key; a chunk at offset s - t needs the bottom-right-aligned causal mask
            // (SDPA's own is_casual flag aligns top-left, which is only right when nothing is cached).
            mixed = t == 1 ? F.scaled_dot_product_attention(q, k, v)
                : s == t ? F.scaled_dot_product_attention(q, k, v, is_casual: true)
                : F.scaled_dot_product_attention(q, k, v, attn_mask: CausalMask(t, s, x.device));
        }
        else
        {
            var scores = q.matmul(k.transpose(2, 3)) / Math.Sqrt(_headDim);
            if (t > 1) scores = scores + CausalMask(t, s, x.device);
            var probs = scores.softmax(-1);
            scoresTap(probs);
            mixed = probs.matmul(v);
        }
        return _o.forward(mixed.transpose(1, 2).reshape(b, t, _heads * _headDim));
    }

    /// <summary>Pre-softmax attention logits [B, heads, T] of the token at <paramref name="query"/> over the T tokens
    /// of x [B, T, d] (no cache): q·k / sqrt(headDim) with key/value heads repeated for GQA, keys after the query at
    /// -inf. What token-dropping methods rank tokens by, computed without running the rest of the layer.</summary>
    public Tensor QueryLogits(Tensor x, RotaryEmbedding rope, long query, Tensor? positions = null)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var all = positions ?? arange(t, dtype: ScalarType.Int64, device: x.device);
        var queryPosition = all.dim() == 1 ? all.narrow(0, query, 1) : all.narrow(1, query, 1);
        var q = rope.Apply(_q.forward(x.narrow(1, query, 1)).view(b, 1, _heads, _headDim).transpose(1, 2), queryPosition);
        var k = rope.Apply(_k.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2), all);
        if (_kvHeads != _heads) k = k.repeat_interleave(_heads / _kvHeads, dim: 1);
        var logits = q.matmul(k.transpose(2, 3)).squeeze(2) / Math.Sqrt(_headDim); // [B, heads, T]
        if (query < t - 1) logits = logits.index_fill(2, arange(query + 1, t, dtype: ScalarType.Int64, device: x.device), float.NegativeInfinity);
        return logits.MoveToOuterDisposeScope();
    }

    static Tensor Rotate(RotaryEmbedding rope, Tensor x, long start, Tensor? positions) =>
        positions is null ? rope.Apply(x, start) : rope.Apply(x, positions);

    /// <summary>Additive mask [T, S]: query i (absolute position S-T+i) may see keys 0..S-T+i.</summary>
    public static Tensor CausalMask(long t, long s, Device device)
    {
        using var future = ones(t, s, dtype: ScalarType.Bool, device: device).triu(s - t + 1);
        return zeros(t, s, device: device).masked_fill(future, float.NegativeInfinity);
    }
}
