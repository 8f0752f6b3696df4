using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>What a self-drafter puts between the target's layer-l states and the target's LM head: nothing but the
/// final norm (LayerSkip-style exit), or a small trained module (Kangaroo's attention adapter, an MLP).</summary>
public interface IExitAdapter
{
    /// <summary>Name for legends ("no adapter", "attention adapter", …).</summary>
    string Name { get; }

    /// <summary>True when it attends over earlier positions: it keeps its own KV cache and must see every position
    /// exactly once, in order.</summary>
    bool Attends { get; }

    /// <summary>States ready for the LM head (already normed) [B, T, d] from layer-l states [B, T, d] at positions
    /// <paramref name="start"/>..; an attending adapter appends to <paramref name="cache"/> when given (without one
    /// it attends causally within the chunk).</summary>
    Tensor Forward(Tensor hidden, long start, KvCache? cache);

    /// <summary>A fresh KV cache for its attention (null when it does not attend).</summary>
    KvCache? NewCache(int capacity);

    /// <summary>Parameters it adds to the target (0 for the plain exit).</summary>
    long ParameterCount { get; }

    /// <summary>FLOPs for <paramref name="tokens"/> new positions attending over <paramref name="context"/> positions.</summary>
    double Flops(long tokens, long context);
}

/// <summary>The plain early exit (LayerSkip-style, no adapter): the target's own final norm reads the layer-l states,
/// then its head.</summary>
public sealed class FinalNormExit : IExitAdapter
{
    readonly TransformerLM _target;

    /// <summary>The exit through <paramref name="target"/>'s final norm.</summary>
    public FinalNormExit(TransformerLM target) => _target = target;

    /// <inheritdoc/>
    public string Name => "no adapter";

    /// <inheritdoc/>
    public bool Attends => false;

    /// <inheritdoc/>
    public Tensor Forward(Tensor hidden, long start, KvCache? cache) => _target.FinalNorm(hidden);

    /// <inheritdoc/>
    public KvCache? NewCache(int capacity) => null;

    /// <inheritdoc/>
    public long ParameterCount => 0;

    /// <inheritdoc/>
    public double Flops(long tokens, long context) => 0;
}
