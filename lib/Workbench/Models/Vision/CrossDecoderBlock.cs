using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Vision;

/// <summary>One pre-norm decoder block of an encoder-decoder (OFA / original Transformer shape): causal
/// self-attention over the target tokens, cross-attention to the encoder's output, a GELU MLP, each with a residual.</summary>
/// <remarks>Every row of x yields its keys and values, including rows whose output the caller discards (an early-exited
/// token keeps its state): so the keys and values of a layer a token skipped are that layer's projections of the exited
/// state, which is how MuE fills the skipped layers' KV.</remarks>
public sealed class CrossDecoderBlock : nn.Module
{
    readonly LayerNorm _selfNorm, _crossNorm, _mlpNorm;
    readonly Linear _qkv, _selfOut, _query, _keyValue, _crossOut, _up, _down;
    readonly int _heads, _headDim;

    /// <summary>Token width.</summary>
    public int Dim { get; }

    /// <summary>MLP hidden width.</summary>
    public int HiddenDim { get; }

    /// <summary>A block of width <paramref name="dim"/> with <paramref name="heads"/> heads and a 4 x dim MLP;
    /// <paramref name="attentionInitScale"/> multiplies the initial query, key and value weights of both attentions.</summary>
    public CrossDecoderBlock(int dim, int heads, double mlpRatio = 4.0, double attentionInitScale = 1.0) : base(nameof(CrossDecoderBlock))
    {
        if (dim % heads != 0) throw new ArgumentException($"width {dim} is not divisible by {heads} heads");
        (Dim, _heads, _headDim, HiddenDim) = (dim, heads, dim / heads, (int)Math.Round(dim * mlpRatio));
        _selfNorm = nn.LayerNorm(dim);
        _qkv = nn.Linear(dim, 3 * dim);
        _selfOut = nn.Linear(dim, dim);
        _crossNorm = nn.LayerNorm(dim);
        _query = nn.Linear(dim, dim);
        _keyValue = nn.Linear(dim, 2 * dim);
        _crossOut = nn.Linear(dim, dim);
        _mlpNorm = nn.LayerNorm(dim);
        _up = nn.Linear(dim, HiddenDim);
        _down = nn.Linear(HiddenDim, dim);
        RegisterComponents();
        if (attentionInitScale != 1.0)
            using (no_grad())
                foreach (var projection in new[] { _qkv, _query, _keyValue }) projection.weight!.mul_(attentionInitScale);
    }

    /// <summary>Runs the block on target tokens x [B, T, d] reading <paramref name="memory"/> [B, S, d].</summary>
    public Tensor Forward(Tensor x, Tensor memory)
    {
        long b = x.shape[0], t = x.shape[1], s = memory.shape[1];
        var qkv = _qkv.forward(_selfNorm.forward(x)).view(b, t, 3, _heads, _headDim).permute(2, 0, 3, 1, 4);
        var self = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: t > 1);
        var h = x + _selfOut.forward(self.transpose(1, 2).reshape(b, t, Dim));
        var q = _query.forward(_crossNorm.forward(h)).view(b, t, _heads, _headDim).transpose(1, 2);
        var kv = _keyValue.forward(memory).view(b, s, 2, _heads, _headDim).permute(2, 0, 3, 1, 4);
        var cross = F.scaled_dot_product_attention(q, kv[0], kv[1]);
        h = h + _crossOut.forward(cross.transpose(1, 2).reshape(b, t, Dim));
        return h + _down.forward(F.gelu(_up.forward(_mlpNorm.forward(h))));
    }

    /// <summary>FLOPs for one new token at 0-based <paramref name="position"/> through this layer with a KV cache:
    /// self-attention over position + 1 tokens, cross-attention over <paramref name="sources"/>, the MLP.</summary>
    public double TokenFlops(long position, long sources) =>
        Cost.Flops.Linear(1, Dim, 4L * Dim) + Cost.Flops.AttentionMix(1, position + 1, Dim)
        + Cost.Flops.Linear(1, Dim, 2L * Dim) + Cost.Flops.AttentionMix(1, sources, Dim)
        + Cost.Flops.Linear(1, Dim, 2L * HiddenDim);

    /// <summary>FLOPs to fill one skipped layer's self-attention key and value from an exited state.</summary>
    public double KeyValueFillFlops => Cost.Flops.Linear(1, Dim, 2L * Dim);

    /// <summary>FLOPs to project the encoder output's keys and values for cross-attention (once per sample and layer).</summary>
    public double MemoryFlops(long sources) => Cost.Flops.Linear(sources, Dim, 2L * Dim);
}
