using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Workbench.Models.Vision;

/// <summary>Shape of a small ViT classifier.</summary>
/// <param name="ImageSize">Square image side in pixels.</param>
/// <param name="PatchSize">Patch side in pixels (ImageSize must be a multiple).</param>
/// <param name="Channels">Image channels.</param>
/// <param name="Dim">Token width d.</param>
/// <param name="Layers">Encoder blocks.</param>
/// <param name="Heads">Attention heads per block.</param>
/// <param name="Classes">Output classes.</param>
/// <param name="MlpRatio">MLP hidden width as a multiple of d.</param>
public sealed record VitConfig(int ImageSize = 28, int PatchSize = 4, int Channels = 1, int Dim = 96, int Layers = 8, int Heads = 4,
    int Classes = 10, double MlpRatio = 2.0)
{
    /// <summary>Patch grid side.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Tokens per image: one CLS token plus one per patch.</summary>
    public int Tokens => 1 + GridSize * GridSize;
}

/// <summary>A ViT classifier (Dosovitskiy et al.): patch embedding, a learned CLS token in front of the patch tokens,
/// pre-norm encoder blocks, a final LayerNorm and a linear classifier on the CLS token.</summary>
/// <remarks>Token 0 is CLS; tokens 1.. are patches, row-major over the grid. Taps are the blocks' own
/// (<c>blocks.{i}.resid_post</c>, <c>blocks.{i}.attn.scores</c>), with i counted from 0. The pieces
/// (<see cref="Embed"/>, <see cref="Block"/>, <see cref="Classify"/>) are public so that early-exit models can run
/// the backbone a block at a time.</remarks>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    readonly PatchEmbedding _patches;
    readonly Parameter _cls;
    readonly ModuleList<EncoderBlock> _blocks;
    readonly LayerNorm _norm;
    readonly Linear _classifier;

    /// <summary>The shape.</summary>
    public VitConfig Config { get; }

    /// <summary>A randomly initialised ViT of the given shape.</summary>
    public VisionTransformer(VitConfig config) : base(nameof(VisionTransformer))
    {
        Config = config;
        _patches = new PatchEmbedding(config.ImageSize, config.PatchSize, config.Channels, config.Dim);
        _cls = nn.Parameter(randn(1, 1, config.Dim) * 0.02);
        _blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new EncoderBlock(config.Dim, config.Heads, config.MlpRatio)).ToArray());
        _norm = nn.LayerNorm(config.Dim);
        _classifier = nn.Linear(config.Dim, config.Classes);
        RegisterComponents();
    }

    /// <summary>Images [B, C, H, W] to tokens [B, 1 + N, d] (CLS first).</summary>
    public Tensor Embed(Tensor images)
    {
        var patches = _patches.forward(images);
        return cat(new[] { _cls.expand(patches.shape[0], 1, Config.Dim), patches }, 1);
    }

    /// <summary>Runs block <paramref name="index"/> (0-based) on tokens [B, T, d].</summary>
    public Tensor Block(int index, Tensor x, TapSet? taps = null) => _blocks[index].Forward(x, index: index, taps: taps);

    /// <summary>The final classifier: LayerNorm, then a linear layer on the CLS token. Logits [B, classes].</summary>
    public Tensor Classify(Tensor hidden) => _classifier.forward(_norm.forward(hidden[.., 0]));

    /// <summary>Logits [B, classes] of images [B, C, H, W].</summary>
    public override Tensor forward(Tensor images) => Forward(images);

    /// <summary>Logits of images, recording taps when given.</summary>
    public Tensor Forward(Tensor images, TapSet? taps = null)
    {
        var x = Embed(images);
        for (int i = 0; i < Config.Layers; i++) x = Block(i, x, taps);
        return Classify(x);
    }

    /// <summary>FLOPs per image of the embedding (patch projection).</summary>
    public double EmbedFlops => _patches.FlopsPerImage;

    /// <summary>FLOPs per image of one encoder block (all blocks have the same shape).</summary>
    public double BlockFlops => _blocks[0].FlopsFor(Config.Tokens);

    /// <summary>FLOPs per image of the final classifier.</summary>
    public double ClassifierFlops => Cost.Flops.Linear(1, Config.Dim, Config.Classes);

    /// <summary>FLOPs per image of the whole model: embedding, every block, classifier.</summary>
    public double Flops => EmbedFlops + Config.Layers * BlockFlops + ClassifierFlops;

    /// <summary>The backbone's parameters (everything: this model has no exit heads of its own).</summary>
    public IEnumerable<Parameter> BackboneParameters => parameters();
}
