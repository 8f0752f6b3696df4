using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using Workbench.Cost;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Vision;

/// <summary>Shape of a unified (OFA-style) encoder-decoder over an image and a short text.</summary>
/// <param name="VocabSize">Words shared by the text input and the decoder's output.</param>
/// <param name="ImageSize">Square image side in pixels (RGB).</param>
/// <param name="PatchSize">Patch side: image tokens = (ImageSize / PatchSize)².</param>
/// <param name="TextLength">Text tokens after the image tokens in the encoder.</param>
/// <param name="MaxTarget">Most decoder positions (the begin token plus the generated words).</param>
/// <param name="Dim">Token width.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="EncoderLayers">Encoder blocks.</param>
/// <param name="DecoderLayers">Decoder blocks (each one an exit through the shared head).</param>
/// <param name="AttentionInitScale">Multiplies the initial query, key and value projections of every attention layer
/// (1 = the default init). With the default, attention starts nearly uniform: every token sees the mean of the others,
/// and a label that depends only on how text and image match (neither alone says anything) gets no gradient to start
/// from; sharper random attention at init gives it one (measured in the MuE notebook).</param>
public sealed record EncoderDecoderConfig(int VocabSize, int ImageSize = 16, int PatchSize = 4, int TextLength = 3, int MaxTarget = 8,
    int Dim = 96, int Heads = 4, int EncoderLayers = 4, int DecoderLayers = 4, double AttentionInitScale = 1.0)
{
    /// <summary>Image tokens per sample.</summary>
    [JsonIgnore] public int Patches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    /// <summary>Encoder tokens per sample: image patches, then the text.</summary>
    [JsonIgnore] public int Sources => Patches + TextLength;
}

/// <summary>The two input modalities of the encoder.</summary>
public enum Modality
{
    /// <summary>Image patch tokens.</summary>
    Image,

    /// <summary>Text tokens.</summary>
    Text,
}

/// <summary>MuE's encoder exit ("saturation"): after each layer but the last, a modality stops being updated once the
/// cosine similarity between that layer's output and its input, averaged over the modality's tokens, reaches its
/// threshold. Stopped tokens keep their state and still serve as keys and values for the tokens that go on.</summary>
/// <param name="ImageThreshold">Threshold for image tokens (above 1: never exit).</param>
/// <param name="TextThreshold">Threshold for text tokens.</param>
/// <param name="SplitModalities">False: one similarity over all tokens and one decision for both (the ablation
/// "MuE without the modality split"; <paramref name="ImageThreshold"/> is then the threshold).</param>
public sealed record EncoderExit(double ImageThreshold, double TextThreshold, bool SplitModalities = true)
{
    /// <summary>Every layer on every token.</summary>
    public static EncoderExit None { get; } = new(double.PositiveInfinity, double.PositiveInfinity);

    /// <summary>One decision for all tokens.</summary>
    public static EncoderExit Joint(double threshold) => new(threshold, threshold, SplitModalities: false);
}

/// <summary>What a decoder token's exit decision reads after each layer.</summary>
public enum DecoderSignal
{
    /// <summary>MuE: cosine similarity between the layer's output and its input for this token.</summary>
    Similarity,

    /// <summary>The baseline: top softmax probability of the shared head applied at this layer.</summary>
    Confidence,
}

/// <summary>Per-token decoder exit: after each layer but the last, a token leaves once its signal reaches the threshold;
/// its output is the shared head on the exited state, and the layers it skipped take their keys and values from that
/// state (so later tokens can still attend to it there).</summary>
public sealed record DecoderExit(DecoderSignal Signal, double Threshold)
{
    /// <summary>Every layer for every token.</summary>
    public static DecoderExit None { get; } = new(DecoderSignal.Similarity, double.PositiveInfinity);
}

/// <summary>An encoder pass: the memory the decoder reads and how deep each modality went.</summary>
/// <param name="Memory">[B, S, d] encoder output (final norm applied), exited tokens at their exit state.</param>
/// <param name="ImageLayers">Encoder layers executed for each sample's image tokens.</param>
/// <param name="TextLayers">Encoder layers executed for each sample's text tokens.</param>
/// <param name="Similarity">Similarity[layer][sample, modality]: token-averaged cosine similarity between the layer's
/// output and its input, as computed (for tokens already exited it compares the discarded update).</param>
public sealed record EncoderPass(Tensor Memory, int[] ImageLayers, int[] TextLayers, double[][,] Similarity);

/// <summary>A decoder pass over a whole target prefix: the output at each position's exit and where each exited.</summary>
/// <param name="Logits">[B, T, V] the shared head on each position's exit state.</param>
/// <param name="ExitLayers">[B, T] decoder layers executed per position.</param>
/// <param name="Signals">Signals[layer] [B, T]: the exit signal after that layer (similarity or confidence).</param>
public sealed record DecoderPass(Tensor Logits, int[,] ExitLayers, double[][,] Signals);

/// <summary>A unified encoder-decoder in OFA's shape at toy size: image patches (PatchEmbedding) and embedded text
/// (with their own position and modality embeddings) go through bidirectional encoder blocks; a causal decoder with
/// cross-attention reads the result and answers through one head shared by all decoder layers, so any decoder layer
/// can be an exit. Both sides can exit early as MuE does (<see cref="EncoderExit"/>, <see cref="DecoderExit"/>).</summary>
public sealed class SceneEncoderDecoder : nn.Module
{
    readonly PatchEmbedding _patches;
    readonly Embedding _words;
    readonly Parameter _textPosition, _targetPosition, _modality;
    readonly ModuleList<EncoderBlock> _encoder;
    readonly LayerNorm _encoderNorm, _decoderNorm;
    readonly ModuleList<CrossDecoderBlock> _decoder;
    readonly Linear _head;

    /// <summary>A randomly initialised model (seed torch first for repeatable weights).</summary>
    public SceneEncoderDecoder(EncoderDecoderConfig config) : base(nameof(SceneEncoderDecoder))
    {
        Config = config;
        int d = config.Dim;
        _patches = new PatchEmbedding(config.ImageSize, config.PatchSize, 3, d);
        _words = nn.Embedding(config.VocabSize, d);
        _textPosition = nn.Parameter(randn(1, config.TextLength, d) * 0.02);
        _targetPosition = nn.Parameter(randn(1, config.MaxTarget, d) * 0.02);
        _modality = nn.Parameter(randn(2, d) * 0.02);
        _encoder = nn.ModuleList(Enumerable.Range(0, config.EncoderLayers).Select(_ => new EncoderBlock(d, config.Heads, attentionInitScale: config.AttentionInitScale)).ToArray());
        _encoderNorm = nn.LayerNorm(d);
        _decoder = nn.ModuleList(Enumerable.Range(0, config.DecoderLayers).Select(_ => new CrossDecoderBlock(d, config.Heads, attentionInitScale: config.AttentionInitScale)).ToArray());
        _decoderNorm = nn.LayerNorm(d);
        _head = nn.Linear(d, config.VocabSize);
        RegisterComponents();
    }

    /// <summary>The shape of this model.</summary>
    public EncoderDecoderConfig Config { get; }

    /// <summary>Encodes images [B, 3, H, W] and text [B, TextLength], exiting per modality as <paramref name="exit"/> says.</summary>
    public EncoderPass Encode(Tensor images, Tensor text, EncoderExit? exit = null)
    {
        exit ??= EncoderExit.None;
        if (text.shape[1] != Config.TextLength) throw new ArgumentException($"text has {text.shape[1]} tokens, the model expects {Config.TextLength}");
        using var scope = NewDisposeScope();
        int b = (int)images.shape[0], p = Config.Patches, layers = Config.EncoderLayers;
        var x = cat(new[]
        {
            _patches.forward(images) + _modality[0],
            _words.forward(text) + _textPosition + _modality[1],
        }, 1);
        var imageDone = new bool[b];
        var textDone = new bool[b];
        var imageLayers = Enumerable.Repeat(layers, b).ToArray();
        var textLayers = Enumerable.Repeat(layers, b).ToArray();
        var similarity = new double[layers][,];
        var frozen = zeros(b, Config.Sources, 1, dtype: ScalarType.Bool);
        for (int j = 0; j < layers; j++)
        {
            var y = _encoder[j].Forward(x);
            var cos = F.cosine_similarity(y, x, dim: -1);                                 // [B, S]
            var image = cos.narrow(1, 0, p).mean(new long[] { 1 }).data<float>().ToArray();
            var txt = cos.narrow(1, p, Config.TextLength).mean(new long[] { 1 }).data<float>().ToArray();
            var joint = cos.mean(new long[] { 1 }).data<float>().ToArray();
            similarity[j] = new double[b, 2];
            for (int n = 0; n < b; n++) (similarity[j][n, 0], similarity[j][n, 1]) = (image[n], txt[n]);
            x = where(frozen, x, y); // exited tokens keep their state; their keys and values at later layers come from it
            if (j == layers - 1) break;
            bool changed = false;
            for (int n = 0; n < b; n++)
            {
                bool exitImage = exit.SplitModalities ? image[n] >= exit.ImageThreshold : joint[n] >= exit.ImageThreshold;
                bool exitText = exit.SplitModalities ? txt[n] >= exit.TextThreshold : exitImage;
                if (!imageDone[n] && exitImage) { imageDone[n] = true; imageLayers[n] = j + 1; changed = true; }
                if (!textDone[n] && exitText) { textDone[n] = true; textLayers[n] = j + 1; changed = true; }
            }
            if (changed) frozen = FrozenMask(imageDone, textDone);
        }
        return new EncoderPass(_encoderNorm.forward(x).MoveToOuterDisposeScope(), imageLayers, textLayers, similarity);
    }

    Tensor FrozenMask(bool[] imageDone, bool[] textDone)
    {
        int b = imageDone.Length, s = Config.Sources;
        var mask = new bool[b * s];
        for (int n = 0; n < b; n++)
            for (int i = 0; i < s; i++)
                mask[n * s + i] = i < Config.Patches ? imageDone[n] : textDone[n];
        return tensor(mask, new long[] { b, s, 1 });
    }

    /// <summary>Runs the decoder over target prefixes <paramref name="input"/> [B, T] (begin token first), each position
    /// exiting as <paramref name="exit"/> says. Decisions at a position depend only on positions up to it (causal
    /// attention), so re-running a longer prefix leaves earlier positions' exits and outputs as they were.</summary>
    public DecoderPass Decode(Tensor memory, Tensor input, DecoderExit? exit = null)
    {
        exit ??= DecoderExit.None;
        using var scope = NewDisposeScope();
        int b = (int)input.shape[0], t = (int)input.shape[1], layers = Config.DecoderLayers;
        var y = Embed(input);
        var done = new bool[b * t];
        var exitLayers = new int[b, t];
        for (int n = 0; n < b; n++) for (int i = 0; i < t; i++) exitLayers[n, i] = layers;
        var signals = new double[layers][,];
        var frozen = zeros(b, t, 1, dtype: ScalarType.Bool);
        for (int j = 0; j < layers; j++)
        {
            var output = _decoder[j].Forward(y, memory);
            var signal = exit.Signal == DecoderSignal.Similarity
                ? F.cosine_similarity(output, y, dim: -1)
                : _head.forward(_decoderNorm.forward(output)).softmax(-1).amax(new long[] { -1 });
            var s = signal.data<float>().ToArray();
            signals[j] = new double[b, t];
            for (int n = 0; n < b; n++) for (int i = 0; i < t; i++) signals[j][n, i] = s[n * t + i];
            y = where(frozen, y, output);
            if (j == layers - 1) break;
            bool changed = false;
            for (int k = 0; k < s.Length; k++)
                if (!done[k] && s[k] >= exit.Threshold) { done[k] = true; exitLayers[k / t, k % t] = j + 1; changed = true; }
            if (changed) frozen = tensor(done, new long[] { b, t, 1 });
        }
        return new DecoderPass(_head.forward(_decoderNorm.forward(y)).MoveToOuterDisposeScope(), exitLayers, signals);
    }

    /// <summary>Logits [B, T, V] of every decoder layer through the shared head (no exits): what the layer-wise loss trains.</summary>
    public Tensor[] LayerLogits(Tensor memory, Tensor input)
    {
        var y = Embed(input);
        var outputs = new Tensor[Config.DecoderLayers];
        for (int j = 0; j < outputs.Length; j++)
        {
            y = _decoder[j].Forward(y, memory);
            outputs[j] = _head.forward(_decoderNorm.forward(y));
        }
        return outputs;
    }

    Tensor Embed(Tensor input)
    {
        if (input.shape[1] > Config.MaxTarget) throw new ArgumentException($"a target prefix of {input.shape[1]} tokens exceeds the model's {Config.MaxTarget}");
        return _words.forward(input) + _targetPosition.narrow(1, 0, input.shape[1]);
    }

    /// <summary>Encoder FLOPs for one sample whose image tokens ran <paramref name="imageLayers"/> layers and text tokens
    /// <paramref name="textLayers"/>: full blocks for tokens still going, key and value projections for exited tokens
    /// while some tokens still attend to them, plus the patch projection.</summary>
    public double EncoderFlops(int imageLayers, int textLayers)
    {
        int d = Config.Dim, s = Config.Sources;
        long hidden = _encoder[0].HiddenDim;
        double active = Flops.Linear(1, d, 4L * d) + Flops.AttentionMix(1, s, d) + Flops.Linear(1, d, 2 * hidden);
        double keyValue = Flops.Linear(1, d, 2L * d);
        double total = _patches.FlopsPerImage;
        for (int j = 0; j < Config.EncoderLayers; j++)
        {
            bool image = j < imageLayers, text = j < textLayers;
            if (!image && !text) break;
            total += Config.Patches * (image ? active : keyValue) + Config.TextLength * (text ? active : keyValue);
        }
        return total;
    }

    /// <summary>Decoder FLOPs for one sample generating one token per entry of <paramref name="exitLayers"/> (the layers
    /// each ran) with a KV cache: executed layers in full, skipped layers' key/value fill, the cross-attention memory
    /// projection of every layer some token reached, and the head (once per token, or after every executed layer when
    /// the exit reads the head's confidence).</summary>
    public double DecoderFlops(IReadOnlyList<int> exitLayers, DecoderSignal signal)
    {
        double total = 0, head = Flops.Linear(1, Config.Dim, Config.VocabSize);
        int deepest = exitLayers.Count == 0 ? 0 : exitLayers.Max();
        for (int j = 0; j < deepest; j++) total += _decoder[j].MemoryFlops(Config.Sources);
        for (int position = 0; position < exitLayers.Count; position++)
        {
            int ran = exitLayers[position];
            for (int j = 0; j < Config.DecoderLayers; j++)
                total += j < ran ? _decoder[j].TokenFlops(position, Config.Sources) : _decoder[j].KeyValueFillFlops;
            total += signal == DecoderSignal.Confidence ? ran * head : head;
        }
        return total;
    }
}
