using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Vision;

/// <summary>One pre-norm bidirectional transformer block (ViT style): h = x + attn(LN(x)); out = h + mlp(LN(h)),
/// with a GELU MLP. Every token sees every token, unless a key mask hides some (dropped or padded tokens).</summary>
/// <remarks>Taps, with <c>{i}</c> the block's index: <c>blocks.{i}.attn.scores</c> (probabilities [B, heads, T, T]),
/// <c>blocks.{i}.resid_mid</c>, <c>blocks.{i}.resid_post</c>: the same names as the language model's blocks.</remarks>
public sealed class EncoderBlock : nn.Module<Tensor, Tensor>
{
    readonly LayerNorm _attnNorm, _mlpNorm;
    readonly Linear _qkv, _out, _up, _down;
    readonly int _heads, _headDim;

    /// <summary>Token width.</summary>
    public int Dim { get; }

    /// <summary>MLP hidden width.</summary>
    public int HiddenDim { get; }

    /// <summary>A block of width <paramref name="dim"/> with <paramref name="heads"/> heads and an MLP of
    /// <paramref name="mlpRatio"/> x dim; <paramref name="attentionInitScale"/> multiplies the initial query, key and
    /// value weights (1 = the default init; larger starts attention sharper than uniform).</summary>
    public EncoderBlock(int dim, int heads, double mlpRatio = 4.0, double attentionInitScale = 1.0) : base(nameof(EncoderBlock))
    {
        if (dim % heads != 0) throw new ArgumentException($"width {dim} is not divisible by {heads} heads");
        (Dim, _heads, _headDim, HiddenDim) = (dim, heads, dim / heads, (int)Math.Round(dim * mlpRatio));
        _attnNorm = nn.LayerNorm(dim);
        _qkv = nn.Linear(dim, 3 * dim);
        _out = nn.Linear(dim, dim);
        _mlpNorm = nn.LayerNorm(dim);
        _up = nn.Linear(dim, HiddenDim);
        _down = nn.Linear(HiddenDim, dim);
        RegisterComponents();
        if (attentionInitScale != 1.0)
            using (no_grad()) _qkv.weight!.mul_(attentionInitScale);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x);

    /// <summary>Runs the block on x [B, T, d].</summary>
    /// <param name="keyMask">Optional additive mask broadcastable to [B, heads, T, T] (0 = visible, -inf = hidden).</param>
    /// <param name="index">The block's index, for tap names.</param>
    /// <param name="taps">Records <c>blocks.{index}.*</c> when given.</param>
    public Tensor Forward(Tensor x, Tensor? keyMask = null, int index = 0, TapSet? taps = null)
    {
        long b = x.shape[0], t = x.shape[1];
        // (B, T, 3d) -> 3 x (B, heads, T, headDim)
        var qkv = _qkv.forward(_attnNorm.forward(x)).view(b, t, 3, _heads, _headDim).permute(2, 0, 3, 1, 4);
        Tensor q = qkv[0], k = qkv[1], v = qkv[2];
        var scoresName = $"blocks.{index}.attn.scores";
        Tensor mixed;
        if (taps != null && taps.Wants(scoresName))
        {
            var scores = q.matmul(k.transpose(2, 3)) / Math.Sqrt(_headDim);
            if (keyMask is not null) scores = scores + keyMask;
            var probs = scores.softmax(-1);
            taps.Record(scoresName, probs);
            mixed = probs.matmul(v);
        }
        else mixed = F.scaled_dot_product_attention(q, k, v, attn_mask: keyMask);
        var h = x + _out.forward(mixed.transpose(1, 2).reshape(b, t, Dim));
        var output = h + _down.forward(F.gelu(_up.forward(_mlpNorm.forward(h))));
        if (taps != null)
        {
            taps.Record($"blocks.{index}.resid_mid", h);
            taps.Record($"blocks.{index}.resid_post", output);
        }
        return output;
    }

    /// <summary>FLOPs of one block over <paramref name="tokens"/> tokens (projections, attention mix, MLP).</summary>
    public double FlopsFor(long tokens) =>
        Cost.Flops.Linear(tokens, Dim, 4L * Dim) + Cost.Flops.AttentionMix(tokens, tokens, Dim) + Cost.Flops.Linear(tokens, Dim, 2L * HiddenDim);
}
