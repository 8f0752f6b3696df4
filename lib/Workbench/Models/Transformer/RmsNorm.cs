using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbench.Models.Transformer;

/// <summary>RMSNorm: x / sqrt(mean(x²) + eps) * weight (TorchSharp 0.107 has none built in).</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")] readonly Parameter _weight;
    readonly double _eps;

    /// <summary>A norm over the last dimension of width <paramref name="dim"/>.</summary>
    public RmsNorm(int dim, double eps) : base(nameof(RmsNorm))
    {
        _eps = eps;
        _weight = new Parameter(ones(dim));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var normed = x * (x.pow(2).mean(new long[] { -1 }, keepdim: true) + _eps).rsqrt();
        return (normed * _weight).MoveToOuterDisposeScope();
    }
}
