using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Vision;

/// <summary>Shape of a small U-ViT noise predictor with an output head and an uncertainty module after every layer.</summary>
/// <param name="ImageSize">Square image side in pixels.</param>
/// <param name="PatchSize">Patch side in pixels.</param>
/// <param name="Channels">Image channels.</param>
/// <param name="Dim">Token width d.</param>
/// <param name="Layers">Transformer blocks (odd: in-blocks, one middle block, out-blocks joined to the in-blocks by long skips).</param>
/// <param name="Heads">Attention heads per block.</param>
/// <param name="MlpRatio">MLP hidden width as a multiple of d.</param>
public sealed record UVitConfig(int ImageSize = 16, int PatchSize = 4, int Channels = 1, int Dim = 96, int Layers = 7, int Heads = 4, double MlpRatio = 4.0)
{
    /// <summary>Patch grid side.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Tokens per image: one time token plus one per patch.</summary>
    public int Tokens => 1 + GridSize * GridSize;
}

/// <summary>What one layer said about a noisy batch: its noise prediction g_i(h_i) [B, C, H, W] and its uncertainty
/// u_i [B] in (0, 1) (the uncertainty estimation module's guess of how wrong that prediction is).</summary>
public sealed record LayerPrediction(Tensor Noise, Tensor Uncertainty);

/// <summary>A U-ViT-style denoiser (Bao et al.: time as a token, long skips from the in-blocks to the out-blocks) with
/// DeeDiff's additions (Tang et al.): every layer i has an output head g_i predicting the noise and an uncertainty
/// estimation module u_i = sigmoid(w_i · [h_i, emb(t)] + b_i), so sampling can stop at the first layer that is sure.</summary>
/// <remarks>Out-block j (counted from the middle) takes Linear([h, skip]) where skip is the output of in-block
/// L/2 - 1 - j, as in U-ViT. A head reads the patch tokens after LayerNorm; the UEM reads their mean and the time embedding.</remarks>
public sealed class UVitDenoiser : nn.Module<Tensor, Tensor, Tensor>
{
    readonly PatchEmbedding _patches;
    readonly Linear _time1, _time2;
    readonly ModuleList<EncoderBlock> _blocks;
    readonly ModuleList<Linear> _skips;
    readonly ModuleList<LayerNorm> _headNorms;
    readonly ModuleList<Linear> _heads;
    readonly ModuleList<Linear> _uems;

    /// <summary>The shape.</summary>
    public UVitConfig Config { get; }

    /// <summary>In-blocks (each feeds one out-block through a long skip).</summary>
    public int InBlocks => Config.Layers / 2;

    /// <summary>A randomly initialised denoiser of the given shape.</summary>
    public UVitDenoiser(UVitConfig config) : base(nameof(UVitDenoiser))
    {
        if (config.Layers % 2 == 0 || config.Layers < 1) throw new ArgumentException($"a U-ViT needs an odd number of layers (got {config.Layers})");
        Config = config;
        int d = config.Dim, pixels = config.PatchSize * config.PatchSize * config.Channels;
        _patches = new PatchEmbedding(config.ImageSize, config.PatchSize, config.Channels, d);
        _time1 = nn.Linear(d, 4 * d);
        _time2 = nn.Linear(4 * d, d);
        _blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new EncoderBlock(d, config.Heads, config.MlpRatio)).ToArray());
        _skips = nn.ModuleList(Enumerable.Range(0, config.Layers / 2).Select(_ => nn.Linear(2 * d, d)).ToArray());
        _headNorms = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => nn.LayerNorm(d)).ToArray());
        _heads = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => nn.Linear(d, pixels)).ToArray());
        _uems = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => nn.Linear(2 * d, 1)).ToArray());
        RegisterComponents();
    }

    /// <summary>Sinusoidal features of the timestep t [B] (transformer-style frequencies), width d.</summary>
    public static Tensor TimeFeatures(Tensor t, int dim)
    {
        int half = dim / 2;
        var freqs = exp(arange(half, dtype: ScalarType.Float32) * (-Math.Log(10000.0) / half)).to(t.device);
        var angles = t.to(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return cat(new[] { sin(angles), cos(angles) }, 1);
    }

    /// <summary>The time embedding emb(t) [B, d]: sinusoidal features through a small MLP.</summary>
    public Tensor TimeEmbedding(Tensor t) => _time2.forward(F.silu(_time1.forward(TimeFeatures(t, Config.Dim))));

    /// <summary>The final layer's noise prediction for noisy images x [B, C, H, W] at timesteps t [B].</summary>
    public override Tensor forward(Tensor x, Tensor t) => Layers(x, t)[^1].Noise;

    /// <summary>Every layer's prediction and uncertainty (training and analysis: all layers run).</summary>
    public LayerPrediction[] Layers(Tensor x, Tensor t)
    {
        var pass = Start(x, t);
        var all = new LayerPrediction[Config.Layers];
        for (int i = 0; i < Config.Layers; i++) all[i] = pass.Next();
        return all;
    }

    /// <summary>Starts a layer-by-layer pass; <see cref="DenoiserPass.Keep"/> drops samples that have exited, so
    /// the layers after an exit really are not computed for them.</summary>
    public DenoiserPass Start(Tensor x, Tensor t)
    {
        var emb = TimeEmbedding(t);
        var tokens = cat(new[] { emb.unsqueeze(1), _patches.forward(x) }, 1);
        return new DenoiserPass(this, tokens, emb);
    }

    internal Tensor Block(int i, Tensor h, List<Tensor> skips)
    {
        if (i > InBlocks) h = _skips[i - InBlocks - 1].forward(cat(new[] { h, skips[2 * InBlocks - i] }, -1));
        return _blocks[i].Forward(h, index: i);
    }

    internal LayerPrediction Predict(int i, Tensor h, Tensor emb)
    {
        var patches = h.narrow(1, 1, h.shape[1] - 1);
        var u = _uems[i].forward(cat(new[] { patches.mean(new long[] { 1 }), emb }, -1)).squeeze(-1).sigmoid();
        return new LayerPrediction(Unpatchify(_heads[i].forward(_headNorms[i].forward(patches))), u);
    }

    /// <summary>Patch tokens of pixels [B, N, P·P·C] back to images [B, C, H, W].</summary>
    Tensor Unpatchify(Tensor p)
    {
        long b = p.shape[0];
        int g = Config.GridSize, s = Config.PatchSize, c = Config.Channels;
        return p.view(b, g, g, s, s, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, g * s, g * s);
    }

    /// <summary>FLOPs of layer i for one image: its block (with the skip projection for out-blocks), its head and its UEM.</summary>
    public double LayerFlops(int i)
    {
        long n = Config.Tokens, d = Config.Dim, patches = n - 1;
        double skip = i > InBlocks ? Cost.Flops.Linear(n, 2 * d, d) : 0;
        return _blocks[i].FlopsFor(n) + skip + Cost.Flops.Linear(patches, d, (long)Config.PatchSize * Config.PatchSize * Config.Channels) + Cost.Flops.Linear(1, 2 * d, 1);
    }

    /// <summary>FLOPs for one image up to and including layer <paramref name="exit"/> (0-based), with the embeddings.</summary>
    public double FlopsToExit(int exit) =>
        _patches.FlopsPerImage + Cost.Flops.Linear(1, Config.Dim, 4L * Config.Dim) * 2 + Enumerable.Range(0, exit + 1).Sum(LayerFlops);
}

/// <summary>A layer-by-layer pass of a <see cref="UVitDenoiser"/> over a batch that can shrink as samples exit.</summary>
public sealed class DenoiserPass
{
    readonly UVitDenoiser _model;
    Tensor _h, _emb;
    readonly List<Tensor> _skips = new();

    internal DenoiserPass(UVitDenoiser model, Tensor tokens, Tensor emb) => (_model, _h, _emb) = (model, tokens, emb);

    /// <summary>Layers run so far.</summary>
    public int Done { get; private set; }

    /// <summary>Runs the next layer on the samples still in the pass.</summary>
    public LayerPrediction Next()
    {
        if (Done >= _model.Config.Layers) throw new InvalidOperationException("every layer has run");
        _h = _model.Block(Done, _h, _skips);
        if (Done < _model.InBlocks) _skips.Add(_h);
        return _model.Predict(Done++, _h, _emb);
    }

    /// <summary>Keeps only the samples at <paramref name="rows"/> (indices into the current batch) for later layers.</summary>
    public void Keep(Tensor rows)
    {
        _h = _h.index_select(0, rows);
        _emb = _emb.index_select(0, rows);
        for (int k = 0; k < _skips.Count; k++) _skips[k] = _skips[k].index_select(0, rows);
    }
}
