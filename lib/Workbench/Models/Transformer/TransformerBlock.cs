using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Workbench.Models.Transformer;

/// <summary>One pre-norm block: h = x + attn(norm(x)); out = h + mlp(norm(h)).</summary>
public sealed class TransformerBlock : nn.Module
{
    [ComponentName(Name = "input_layernorm")] readonly RmsNorm _attnNorm;
    [ComponentName(Name = "self_attn")] readonly Attention _attn;
    [ComponentName(Name = "post_attention_layernorm")] readonly RmsNorm _mlpNorm;
    [ComponentName(Name = "mlp")] readonly FeedForward _mlp;

    /// <summary>Submodules named as in Hugging Face Llama (input_layernorm, self_attn, post_attention_layernorm, mlp).</summary>
    public TransformerBlock(TransformerConfig c) : base(nameof(TransformerBlock))
    {
        _attnNorm = new RmsNorm(c.Dim, c.NormEps);
        _attn = new Attention(c);
        _mlpNorm = new RmsNorm(c.Dim, c.NormEps);
        _mlp = new FeedForward(c);
        RegisterComponents();
    }

    /// <summary>Runs the block on x [B, T, d] at positions start.. (or explicit <paramref name="positions"/>),
    /// recording taps named blocks.{index}.*.</summary>
    public Tensor Forward(Tensor x, RotaryEmbedding rope, long start, KvCache? cache, int index, TapSet? taps, Tensor? positions = null)
    {
        Action<Tensor>? scoresTap = null;
        if (taps != null)
        {
            var scoresName = $"blocks.{index}.attn.scores";
            if (taps.Wants(scoresName)) scoresTap = p => taps.Record(scoresName, p);
        }
        var attnOut = _attn.Forward(_attnNorm.forward(x), rope, start, cache, index, scoresTap, positions);
        var h = x + attnOut;
        var mlpOut = _mlp.forward(_mlpNorm.forward(h));
        var output = h + mlpOut;
        if (taps != null)
        {
            taps.Record($"blocks.{index}.attn.out", attnOut);
            taps.Record($"blocks.{index}.resid_mid", h);
            taps.Record($"blocks.{index}.mlp.out", mlpOut);
            taps.Record($"blocks.{index}.resid_post", output);
        }
        return output;
    }

    /// <summary>This block's pre-softmax attention logits [B, heads, T] from the token at <paramref name="query"/>,
    /// for the block's input x (see <see cref="Attention.QueryLogits"/>).</summary>
    public Tensor QueryLogits(Tensor x, RotaryEmbedding rope, long query, Tensor? positions = null) =>
        _attn.QueryLogits(_attnNorm.forward(x), rope, query, positions);
}
