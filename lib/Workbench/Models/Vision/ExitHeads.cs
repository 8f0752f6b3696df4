using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Vision;

/// <summary>The kinds of exit head a ViT can carry.</summary>
public enum ExitHeadKind
{
    /// <summary>LayerNorm and a linear classifier on the CLS token (the plain baseline).</summary>
    Linear,

    /// <summary>LGViT's local perception head: convolutions on the patch grid, for shallow exits.</summary>
    LocalPerception,

    /// <summary>LGViT's global aggregation head: self-attention over downsampled patches, for deep exits.</summary>
    GlobalAggregation,
}

/// <summary>An exit head's output: logits [B, classes] and the features it pooled them from [B, n, d] (patch-level
/// features for the LGViT heads, what self-distillation aligns; the normalised CLS token [B, 1, d] for a linear head).</summary>
public sealed record ExitOutput(Tensor Logits, Tensor Features);

/// <summary>A classifier attached to a ViT's hidden states [B, 1 + N, d] (CLS first, then the patch grid row-major).</summary>
public abstract class ExitHead : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module.</summary>
    protected ExitHead(string name) : base(name) { }

    /// <summary>Which kind of head this is.</summary>
    public abstract ExitHeadKind Kind { get; }

    /// <summary>Logits and pooled features of hidden states [B, 1 + N, d].</summary>
    public abstract ExitOutput Run(Tensor hidden);

    /// <summary>FLOPs to evaluate the head on one image (matrix products and convolutions; norms and activations are not counted).</summary>
    public abstract double Flops { get; }

    /// <summary>Logits only.</summary>
    public override Tensor forward(Tensor hidden) => Run(hidden).Logits;

    /// <summary>A head of the given kind for a ViT of the given shape; <paramref name="reduction"/> is the global
    /// head's downsampling ratio (ignored by the others).</summary>
    public static ExitHead Create(ExitHeadKind kind, VitConfig vit, int reduction = 2) => kind switch
    {
        ExitHeadKind.Linear => new LinearExitHead(vit.Dim, vit.Classes),
        ExitHeadKind.LocalPerception => new LocalPerceptionHead(vit.Dim, vit.GridSize, vit.Classes),
        ExitHeadKind.GlobalAggregation => new GlobalAggregationHead(vit.Dim, vit.Heads, vit.GridSize, reduction, vit.Classes),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Patch tokens [B, N, d] as a feature map [B, d, g, g].</summary>
    internal static Tensor ToGrid(Tensor patches, int grid) =>
        patches.transpose(1, 2).reshape(patches.shape[0], patches.shape[2], grid, grid);

    /// <summary>Average-pools patch tokens [B, g², d] by <paramref name="ratio"/> (windows r x r, stride r, the
    /// ragged edge pooled over what is there): [B, ceil(g/r)², d]. The global head and the distillation target
    /// of its features use the same downsampling.</summary>
    public static Tensor Downsample(Tensor patches, int grid, int ratio)
    {
        if (ratio <= 1) return patches;
        var pooled = F.avg_pool2d(ToGrid(patches, grid), new long[] { ratio, ratio }, new long[] { ratio, ratio }, ceil_mode: true);
        return pooled.flatten(2).transpose(1, 2);
    }

    /// <summary>Side of the grid after downsampling by <paramref name="ratio"/>.</summary>
    public static int DownsampledGrid(int grid, int ratio) => ratio <= 1 ? grid : (grid + ratio - 1) / ratio;
}

/// <summary>The plain exit: LayerNorm, then a linear classifier on the CLS token.</summary>
public sealed class LinearExitHead : ExitHead
{
    readonly LayerNorm _norm;
    readonly Linear _classifier;
    readonly int _dim, _classes;

    /// <summary>A head for width <paramref name="dim"/> and <paramref name="classes"/> classes.</summary>
    public LinearExitHead(int dim, int classes) : base(nameof(LinearExitHead))
    {
        (_dim, _classes) = (dim, classes);
        _norm = nn.LayerNorm(dim);
        _classifier = nn.Linear(dim, classes);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override ExitHeadKind Kind => ExitHeadKind.Linear;

    /// <inheritdoc/>
    public override ExitOutput Run(Tensor hidden)
    {
        var cls = _norm.forward(hidden[.., 0]);
        return new ExitOutput(_classifier.forward(cls), cls.unsqueeze(1));
    }

    /// <inheritdoc/>
    public override double Flops => Cost.Flops.Linear(1, _dim, _classes);
}

/// <summary>LGViT's local perception head (shallow exits): the patch tokens as a d-channel feature map go through
/// 1x1 conv -> GELU -> BN -> depthwise 3x3 conv -> GELU -> BN -> 1x1 conv -> BN, plus a residual; the result is
/// average-pooled and added to the CLS token before a linear classifier. Convolutions give shallow layers the local
/// neighbourhood that their attention has not gathered yet.</summary>
public sealed class LocalPerceptionHead : ExitHead
{
    readonly LayerNorm _norm;
    readonly Conv2d _expand, _depthwise, _project;
    readonly BatchNorm2d _bn1, _bn2, _bn3;
    readonly Linear _classifier;
    readonly int _dim, _grid, _classes;

    /// <summary>A head for width <paramref name="dim"/> on a <paramref name="grid"/> x grid patch grid.</summary>
    public LocalPerceptionHead(int dim, int grid, int classes) : base(nameof(LocalPerceptionHead))
    {
        (_dim, _grid, _classes) = (dim, grid, classes);
        _norm = nn.LayerNorm(dim);
        _expand = nn.Conv2d(dim, dim, 1);
        _bn1 = nn.BatchNorm2d(dim);
        _depthwise = nn.Conv2d(dim, dim, 3, padding: 1, groups: dim);
        _bn2 = nn.BatchNorm2d(dim);
        _project = nn.Conv2d(dim, dim, 1);
        _bn3 = nn.BatchNorm2d(dim);
        _classifier = nn.Linear(dim, classes);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override ExitHeadKind Kind => ExitHeadKind.LocalPerception;

    /// <inheritdoc/>
    public override ExitOutput Run(Tensor hidden)
    {
        var h = _norm.forward(hidden);
        var cls = h[.., 0];
        var patches = h[.., 1..];                                    // (B, N, d)
        var x = _bn1.forward(F.gelu(_expand.forward(ToGrid(patches, _grid))));
        x = _bn2.forward(F.gelu(_depthwise.forward(x)));
        x = _bn3.forward(_project.forward(x));                       // (B, d, g, g)
        var features = x.flatten(2).transpose(1, 2) + patches;       // residual, (B, N, d)
        return new ExitOutput(_classifier.forward(features.mean(new long[] { 1 }) + cls), features);
    }

    /// <inheritdoc/>
    public override double Flops =>
        2 * Cost.Flops.Conv2d(_dim, _dim, 1, 1, _grid, _grid) + Cost.Flops.Conv2d(_dim, _dim, 3, 3, _grid, _grid, groups: _dim)
        + Cost.Flops.Linear(1, _dim, _classes);
}

/// <summary>LGViT's global aggregation head (deep exits): the patch grid is average-pooled by a ratio r, the pooled
/// tokens attend to each other (multi-head self-attention), and their mean plus the CLS token feeds a linear
/// classifier. Deep layers already carry local detail; the head adds a cheap global view.</summary>
public sealed class GlobalAggregationHead : ExitHead
{
    readonly LayerNorm _norm;
    readonly Linear _qkv, _out, _classifier;
    readonly int _dim, _heads, _grid, _classes;

    /// <summary>Downsampling ratio of the patch grid.</summary>
    public int Reduction { get; }

    /// <summary>A head for width <paramref name="dim"/> with <paramref name="heads"/> attention heads over a
    /// <paramref name="grid"/> x grid patch grid pooled by <paramref name="reduction"/>.</summary>
    public GlobalAggregationHead(int dim, int heads, int grid, int reduction, int classes) : base(nameof(GlobalAggregationHead))
    {
        if (dim % heads != 0) throw new ArgumentException($"width {dim} is not divisible by {heads} heads");
        (_dim, _heads, _grid, _classes, Reduction) = (dim, heads, grid, classes, reduction);
        _norm = nn.LayerNorm(dim);
        _qkv = nn.Linear(dim, 3 * dim);
        _out = nn.Linear(dim, dim);
        _classifier = nn.Linear(dim, classes);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override ExitHeadKind Kind => ExitHeadKind.GlobalAggregation;

    int Pooled => DownsampledGrid(_grid, Reduction) * DownsampledGrid(_grid, Reduction);

    /// <inheritdoc/>
    public override ExitOutput Run(Tensor hidden)
    {
        var h = _norm.forward(hidden);
        var cls = h[.., 0];
        var x = Downsample(h[.., 1..], _grid, Reduction);           // (B, n, d), n = ceil(g/r)²
        long b = x.shape[0], n = x.shape[1];
        var qkv = _qkv.forward(x).view(b, n, 3, _heads, _dim / _heads).permute(2, 0, 3, 1, 4);
        var mixed = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2]);   // (B, heads, n, hd)
        var features = _out.forward(mixed.transpose(1, 2).reshape(b, n, _dim));
        return new ExitOutput(_classifier.forward(features.mean(new long[] { 1 }) + cls), features);
    }

    /// <inheritdoc/>
    public override double Flops =>
        Cost.Flops.Linear(Pooled, _dim, 4L * _dim) + Cost.Flops.AttentionMix(Pooled, Pooled, _dim) + Cost.Flops.Linear(1, _dim, _classes);
}
