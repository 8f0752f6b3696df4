using Workbench.Models.Transformer;

namespace Workbench.Decoding.Speculative;

/// <summary>The modelled speedup of self-speculative decoding in the memory-bound regime the papers target (one token
/// or a few per call on a GPU): a forward call costs the weights it reads, however many tokens it carries. That is
/// the standard formula's assumption (verification is free) with the costs split the way self-speculation splits the
/// model: a drafting call reads l blocks, the adapter and the head; the shallow pass over the last draft reads l
/// blocks; verification reads L − l blocks and the head; an autoregressive call reads L blocks and the head.</summary>
public static class SelfSpeculativeSpeed
{
    /// <summary>Weights one block reads (attention projections, MLP, its two norms).</summary>
    public static double BlockWeights(TransformerConfig c)
    {
        long kvDim = (long)c.KvHeads * c.HeadDim;
        return 2.0 * c.Dim * c.Dim + 2.0 * c.Dim * kvDim + 3.0 * c.Dim * c.HiddenDim + 2.0 * c.Dim;
    }

    /// <summary>Weights the final norm and head read.</summary>
    public static double HeadWeights(TransformerConfig c) => (double)c.Dim * c.VocabSize + c.Dim;

    /// <summary>Weights one autoregressive decode call reads (every block and the head).</summary>
    public static double DecodeCallWeights(TransformerConfig c) => c.Layers * BlockWeights(c) + HeadWeights(c);

    /// <summary>Weights one round of a trace read: every block the drafter ran (<see cref="StepCost.DraftLayers"/>), the
    /// adapter and head once per drafting call, and the verification's blocks and head.</summary>
    public static double RoundWeights(SpeculativeStep step, TransformerConfig c, long adapterParameters) =>
        step.Cost.DraftLayers * BlockWeights(c) + step.Cost.DraftCalls * (adapterParameters + HeadWeights(c))
        + step.Cost.TargetLayers * BlockWeights(c) + HeadWeights(c);

    /// <summary>Modelled speedup over autoregressive decoding: output tokens × decode-call weights over the weights
    /// all rounds read.</summary>
    public static double Modelled(IEnumerable<SpeculativeTrace> traces, TransformerConfig c, long adapterParameters)
    {
        var steps = traces.SelectMany(t => t.Steps).ToList();
        double read = steps.Sum(s => RoundWeights(s, c, adapterParameters));
        return read == 0 ? 0 : steps.Sum(s => s.Emitted) * DecodeCallWeights(c) / read;
    }

    /// <summary>A drafting call's weights over a decode call's (c of the standard formula, for a self-drafter).</summary>
    public static double DraftCallRatio(TransformerConfig c, int exitLayer, long adapterParameters) =>
        (exitLayer * BlockWeights(c) + adapterParameters + HeadWeights(c)) / DecodeCallWeights(c);

    /// <summary>A verification call's weights over a decode call's (layers l..L-1 and the head).</summary>
    public static double VerifyCallRatio(TransformerConfig c, int exitLayer) =>
        ((c.Layers - exitLayer) * BlockWeights(c) + HeadWeights(c)) / DecodeCallWeights(c);
}
