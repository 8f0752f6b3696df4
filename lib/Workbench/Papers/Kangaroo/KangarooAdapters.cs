using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using Workbench.Decoding.Speculative;
using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.Papers.Kangaroo;

/// <summary>The adapters compared: none (the target's final norm on layer l), an MLP, and Kangaroo's attention.</summary>
public enum AdapterKind
{
    /// <summary>The plain early exit: final norm and head on the layer-l states (LayerSkip-style).</summary>
    None,
    /// <summary>RMSNorm -> SwiGLU MLP -> residual -> RMSNorm, as many parameters as the attention adapter.</summary>
    Mlp,
    /// <summary>Kangaroo's: RMSNorm -> one multi-head attention layer (RoPE, own KV cache) -> residual -> RMSNorm.</summary>
    Attention,
}

/// <summary>Builds adapters for a target.</summary>
public static class KangarooAdapters
{
    /// <summary>A fresh (untrained) adapter of a kind; the trainable ones start as the plain exit (their residual
    /// branch outputs zero and their last norm copies the target's final norm).</summary>
    public static IExitAdapter Create(AdapterKind kind, TransformerLM target, long seed) => kind switch
    {
        AdapterKind.None => new FinalNormExit(target),
        AdapterKind.Mlp => new MlpAdapter(target, seed),
        AdapterKind.Attention => new AttentionAdapter(target, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Legend name of a kind.</summary>
    public static string Label(AdapterKind kind) => kind switch
    {
        AdapterKind.None => "no adapter",
        AdapterKind.Mlp => "MLP adapter",
        _ => "attention adapter",
    };

    /// <summary>Normal(0, 0.02) weights, zero on the residual branch's output projection, the target's final-norm
    /// weights on the last norm: a fresh adapter computes exactly what the plain exit does.</summary>
    internal static void Init(nn.Module adapter, TransformerLM target, string outputName, long seed)
    {
        using var random = new Generator((ulong)seed); // its own generator: repeatable even while other code draws
        using var _ = no_grad();
        var finalNorm = target.named_parameters().First(p => p.name == "model.norm.weight").parameter;
        foreach (var (name, p) in adapter.named_parameters())
        {
            if (name == "post_norm.weight") p.copy_(finalNorm);
            else if (name.EndsWith("norm.weight")) p.fill_(1.0);
            else if (name == outputName) p.zero_();
            else nn.init.normal_(p, 0, 0.02, random);
        }
    }
}

/// <summary>Kangaroo's adapter: RMSNorm -> one attention layer (the target's head layout, RoPE, its own KV cache)
/// -> residual -> RMSNorm; the target's LM head reads the result. No FFN.</summary>
public sealed class AttentionAdapter : nn.Module, IExitAdapter
{
    [ComponentName(Name = "pre_norm")] readonly RmsNorm _preNorm;
    [ComponentName(Name = "self_attn")] readonly Attention _attention;
    [ComponentName(Name = "post_norm")] readonly RmsNorm _postNorm;
    [ComponentName(Name = "rope")] readonly RotaryEmbedding _rope;
    readonly TransformerConfig _config;

    /// <summary>An adapter shaped for <paramref name="target"/>, initialised to the plain exit.</summary>
    public AttentionAdapter(TransformerLM target, long seed) : base(nameof(AttentionAdapter))
    {
        _config = target.Config with { Layers = 1 };
        _preNorm = new RmsNorm(_config.Dim, _config.NormEps);
        _attention = new Attention(_config);
        _postNorm = new RmsNorm(_config.Dim, _config.NormEps);
        _rope = new RotaryEmbedding(_config.HeadDim, _config.MaxSeqLen, _config.RopeTheta);
        RegisterComponents();
        KangarooAdapters.Init(this, target, "self_attn.o_proj.weight", seed);
    }

    /// <inheritdoc/>
    public string Name => KangarooAdapters.Label(AdapterKind.Attention);

    /// <inheritdoc/>
    public bool Attends => true;

    /// <inheritdoc/>
    public Tensor Forward(Tensor hidden, long start, KvCache? cache) =>
        _postNorm.forward(hidden + _attention.Forward(_preNorm.forward(hidden), _rope, start, cache, 0));

    /// <inheritdoc/>
    public KvCache? NewCache(int capacity) => new(_config, 1, capacity, parameters().First().device);

    /// <inheritdoc/>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <inheritdoc/>
    public double Flops(long tokens, long context)
    {
        long kvDim = (long)_config.KvHeads * _config.HeadDim;
        return Cost.Flops.Linear(tokens, _config.Dim, _config.Dim) * 2 + Cost.Flops.Linear(tokens, _config.Dim, kvDim) * 2
             + Cost.Flops.AttentionMix(tokens, context, _config.Dim);
    }
}

/// <summary>The MLP baseline: RMSNorm -> SwiGLU (hidden width = d, so as many parameters as the attention adapter's
/// projections) -> residual -> RMSNorm. It sees one position at a time.</summary>
public sealed class MlpAdapter : nn.Module, IExitAdapter
{
    [ComponentName(Name = "pre_norm")] readonly RmsNorm _preNorm;
    [ComponentName(Name = "mlp")] readonly FeedForward _mlp;
    [ComponentName(Name = "post_norm")] readonly RmsNorm _postNorm;
    readonly TransformerConfig _config;

    /// <summary>An adapter shaped for <paramref name="target"/>, initialised to the plain exit.</summary>
    public MlpAdapter(TransformerLM target, long seed) : base(nameof(MlpAdapter))
    {
        _config = target.Config with { Layers = 1, HiddenDim = target.Config.Dim };
        _preNorm = new RmsNorm(_config.Dim, _config.NormEps);
        _mlp = new FeedForward(_config);
        _postNorm = new RmsNorm(_config.Dim, _config.NormEps);
        RegisterComponents();
        KangarooAdapters.Init(this, target, "mlp.down_proj.weight", seed);
    }

    /// <inheritdoc/>
    public string Name => KangarooAdapters.Label(AdapterKind.Mlp);

    /// <inheritdoc/>
    public bool Attends => false;

    /// <inheritdoc/>
    public Tensor Forward(Tensor hidden, long start, KvCache? cache) =>
        _postNorm.forward(hidden + _mlp.forward(_preNorm.forward(hidden)));

    /// <inheritdoc/>
    public KvCache? NewCache(int capacity) => null;

    /// <inheritdoc/>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <inheritdoc/>
    public double Flops(long tokens, long context) => Cost.Flops.Linear(tokens, _config.Dim, _config.HiddenDim) * 3;
}
