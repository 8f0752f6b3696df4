using System.Text.Json.Serialization;

namespace Workbench.Models.Transformer;

/// <summary>A decoder-only, Llama-family transformer: RMSNorm, rotary positions, SwiGLU MLP, grouped-query attention.</summary>
/// <param name="VocabSize">Tokens in the vocabulary.</param>
/// <param name="Dim">Model width d.</param>
/// <param name="Layers">Number of transformer blocks.</param>
/// <param name="Heads">Query heads.</param>
/// <param name="KvHeads">Key/value heads (grouped-query attention when fewer than Heads).</param>
/// <param name="HiddenDim">SwiGLU hidden width.</param>
/// <param name="MaxSeqLen">Longest sequence (prompt + generated) the rotary tables and KV cache hold.</param>
/// <param name="RopeTheta">Rotary base frequency.</param>
/// <param name="NormEps">RMSNorm epsilon.</param>
/// <param name="TiedEmbeddings">Output head shares the embedding matrix.</param>
public sealed record TransformerConfig(
    int VocabSize, int Dim, int Layers, int Heads, int KvHeads, int HiddenDim,
    int MaxSeqLen = 512, double RopeTheta = 10000.0, double NormEps = 1e-5, bool TiedEmbeddings = false)
{
    /// <summary>Width of one attention head.</summary>
    [JsonIgnore] public int HeadDim => Dim / Heads;

    /// <summary>Throws a one-line error when the shape settings do not fit together.</summary>
    public TransformerConfig Validate()
    {
        if (VocabSize < 2 || Dim < 1 || Layers < 1 || Heads < 1 || KvHeads < 1 || HiddenDim < 1 || MaxSeqLen < 1)
            throw new ArgumentException($"transformer config has a non-positive size: {this}");
        if (Dim % Heads != 0) throw new ArgumentException($"dim {Dim} is not divisible by {Heads} heads");
        if (Heads % KvHeads != 0) throw new ArgumentException($"{Heads} query heads are not a multiple of {KvHeads} key/value heads");
        if (HeadDim % 2 != 0) throw new ArgumentException($"head width {HeadDim} must be even for rotary positions");
        return this;
    }

    /// <summary>Parameter count (embedding, blocks, final norm, and the head unless tied).</summary>
    [JsonIgnore]
    public long ParameterCount
    {
        get
        {
            long kvDim = (long)KvHeads * HeadDim;
            long attention = (long)Dim * Dim * 2 + Dim * kvDim * 2;
            long mlp = 3L * Dim * HiddenDim;
            long block = attention + mlp + 2L * Dim;
            return (long)VocabSize * Dim * (TiedEmbeddings ? 1 : 2) + Layers * block + Dim;
        }
    }

    /// <summary>FLOPs of one block for <paramref name="tokens"/> new tokens attending over <paramref name="context"/>
    /// positions in total (projections, attention mixing, MLP).</summary>
    public double BlockFlops(long tokens, long context)
    {
        long kvDim = (long)KvHeads * HeadDim;
        return Cost.Flops.Linear(tokens, Dim, Dim) * 2 + Cost.Flops.Linear(tokens, Dim, kvDim) * 2
             + Cost.Flops.AttentionMix(tokens, context, Dim) + Cost.Flops.Linear(tokens, Dim, HiddenDim) * 3;
    }

    /// <summary>FLOPs of the output head for <paramref name="tokens"/> positions.</summary>
    public double HeadFlops(long tokens) => Cost.Flops.Linear(tokens, Dim, VocabSize);

    /// <summary>The SwiGLU width Llama uses for a model width: 8d/3 rounded up to a multiple of 32.</summary>
    public static int LlamaHiddenDim(int dim) => (8 * dim / 3 + 31) / 32 * 32;
}
