using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbench.Models.Vision;

/// <summary>Cuts images [B, C, H, W] into non-overlapping P x P patches and projects each to a d-dim token, plus a
/// learned position embedding per patch: the input layer of every ViT-style model here (ViT, U-ViT, toy VLMs).</summary>
public sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    readonly Conv2d _proj;
    readonly Parameter _position;

    /// <summary>Patch grid side: <see cref="ImageSize"/> / <see cref="PatchSize"/>.</summary>
    public int GridSize { get; }

    /// <summary>Patches per image (GridSize²).</summary>
    public int Patches => GridSize * GridSize;

    /// <summary>Image side in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>Patch side in pixels.</summary>
    public int PatchSize { get; }

    /// <summary>Channels per image.</summary>
    public int Channels { get; }

    /// <summary>Token width d.</summary>
    public int Dim { get; }

    /// <summary>A patch embedding for square images of side <paramref name="imageSize"/> (a multiple of
    /// <paramref name="patchSize"/>).</summary>
    public PatchEmbedding(int imageSize, int patchSize, int channels, int dim) : base(nameof(PatchEmbedding))
    {
        if (imageSize % patchSize != 0) throw new ArgumentException($"image size {imageSize} is not a multiple of patch size {patchSize}");
        (ImageSize, PatchSize, Channels, Dim, GridSize) = (imageSize, patchSize, channels, dim, imageSize / patchSize);
        // A strided convolution is the same as flattening each patch and applying one linear layer.
        _proj = nn.Conv2d(channels, dim, patchSize, stride: patchSize);
        _position = nn.Parameter(randn(1, Patches, dim) * 0.02);
        RegisterComponents();
    }

    /// <summary>Patch tokens [B, N, d], row-major over the grid (token r * GridSize + c is patch (r, c)).</summary>
    public override Tensor forward(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != Channels || images.shape[2] != ImageSize || images.shape[3] != ImageSize)
            throw new ArgumentException($"expected images [B, {Channels}, {ImageSize}, {ImageSize}], got [{string.Join(", ", images.shape)}]");
        // (B, d, g, g) -> (B, g*g, d)
        return _proj.forward(images).flatten(2).transpose(1, 2) + _position;
    }

    /// <summary>FLOPs to embed one image (the projection; the position add is negligible).</summary>
    public double FlopsPerImage => Cost.Flops.Linear(Patches, (long)Channels * PatchSize * PatchSize, Dim);
}
