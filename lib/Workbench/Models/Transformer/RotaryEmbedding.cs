using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Workbench.Models.Transformer;

/// <summary>Rotary position embedding in the Hugging Face Llama layout (rotate_half over split halves).</summary>
/// <remarks>q' = q·cos + rotate_half(q)·sin with rotate_half([x1, x2]) = [-x2, x1] and frequencies
/// theta^(-2i/d) duplicated over both halves. Tables cover MaxSeqLen positions and are not saved with weights.</remarks>
public sealed class RotaryEmbedding : nn.Module
{
    // [MaxSeqLen, headDim]; registered as non-persistent buffers (moved with the model, never saved).
    [ComponentName(Name = "cos")] readonly Tensor _cos;
    [ComponentName(Name = "sin")] readonly Tensor _sin;

    /// <summary>Builds cos/sin tables for <paramref name="maxSeqLen"/> positions.</summary>
    public RotaryEmbedding(int headDim, int maxSeqLen, double theta) : base(nameof(RotaryEmbedding))
    {
        using var scope = NewDisposeScope();
        var invFreq = 1.0 / pow(theta, arange(0, headDim, 2, dtype: float64) / headDim);
        var positions = arange(maxSeqLen, dtype: float64);
        var freqs = outer(positions, invFreq);
        var emb = cat(new[] { freqs, freqs }, -1);
        _cos = emb.cos().to_type(float32).DetachFromDisposeScope();
        _sin = emb.sin().to_type(float32).DetachFromDisposeScope();
        register_buffer("cos", _cos, persistent: false);
        register_buffer("sin", _sin, persistent: false);
        RegisterComponents();
    }

    /// <summary>Rotates x [B, heads, T, headDim] whose tokens sit at positions start..start+T-1.</summary>
    public Tensor Apply(Tensor x, long start)
    {
        long t = x.shape[2];
        if (start + t > _cos.shape[0])
            throw new ArgumentException($"position {start + t - 1} is beyond the model's maximum sequence length {_cos.shape[0]}");
        using var scope = NewDisposeScope();
        var cos = _cos.narrow(0, start, t);
        var sin = _sin.narrow(0, start, t);
        long half = x.shape[3] / 2;
        var rotated = cat(new[] { -x.narrow(3, half, half), x.narrow(3, 0, half) }, -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }

    /// <summary>Rotates x [B, heads, T, headDim] whose tokens sit at explicit <paramref name="positions"/>: [T] for the
    /// whole batch or [B, T] per sample. Token dropping needs this: kept tokens keep their original positions.</summary>
    public Tensor Apply(Tensor x, Tensor positions)
    {
        if (positions.numel() > 0 && positions.max().item<long>() >= _cos.shape[0])
            throw new ArgumentException($"position {positions.max().item<long>()} is beyond the model's maximum sequence length {_cos.shape[0]}");
        using var scope = NewDisposeScope();
        // [T, headDim] -> [1, 1, T, headDim]; [B, T, headDim] -> [B, 1, T, headDim]
        var cos = _cos.index_select(0, positions.flatten()).view(positions.dim() == 1 ? new[] { 1L, positions.shape[0], _cos.shape[1] }
            : new[] { positions.shape[0], positions.shape[1], _cos.shape[1] }).unsqueeze(1);
        var sin = _sin.index_select(0, positions.flatten()).view(cos.shape);
        long half = x.shape[3] / 2;
        var rotated = cat(new[] { -x.narrow(3, half, half), x.narrow(3, 0, half) }, -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
