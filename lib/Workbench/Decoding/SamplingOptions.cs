using static TorchSharp.torch;

namespace Workbench.Decoding;

/// <summary>How the next token is chosen: greedy (temperature 0) or sampled with temperature, top-k and top-p.</summary>
/// <param name="Temperature">0 = greedy (argmax); otherwise logits are divided by it before the softmax.</param>
/// <param name="TopK">Keep only the k most likely tokens (0 = all).</param>
/// <param name="TopP">Keep the smallest set of most likely tokens whose probability reaches p (1 = all).</param>
/// <param name="Seed">Seed of the sampler's own random generator (runs are repeatable).</param>
public sealed record SamplingOptions(double Temperature = 0, int TopK = 0, double TopP = 1.0, long Seed = 0)
{
    /// <summary>Greedy decoding.</summary>
    public static readonly SamplingOptions Greedy = new();

    /// <summary>True when decoding takes the argmax.</summary>
    public bool IsGreedy => Temperature <= 0;

    /// <summary>Throws a one-line error for settings that make no distribution.</summary>
    public SamplingOptions Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0) throw new ArgumentException($"temperature must be >= 0 (got {Temperature})");
        if (TopK < 0) throw new ArgumentException($"top-k must be >= 0 (got {TopK})");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1] (got {TopP})");
        return this;
    }

    /// <summary>The distribution the sampler draws from, for logits [..., V]: softmax(logits / T) restricted to the
    /// top-k / top-p set and renormalised. For greedy decoding, a one-hot at the argmax.</summary>
    public Tensor Probabilities(Tensor logits)
    {
        using var scope = NewDisposeScope();
        if (IsGreedy)
            return nn.functional.one_hot(logits.argmax(-1), logits.shape[^1]).to_type(logits.dtype).MoveToOuterDisposeScope();
        var scaled = logits / Temperature;
        if (TopK > 0 && TopK < logits.shape[^1])
        {
            var kth = scaled.topk(TopK, dim: -1).values.narrow(-1, TopK - 1, 1);
            scaled = scaled.masked_fill(scaled < kth, float.NegativeInfinity);
        }
        var probs = scaled.softmax(-1);
        if (TopP < 1)
        {
            var (sorted, order) = probs.sort(-1, descending: true);
            var before = sorted.cumsum(-1) - sorted;     // mass of strictly more likely tokens
            var dropSorted = before >= TopP;              // the most likely token is always kept
            var drop = zeros_like(dropSorted).scatter_(-1, order, dropSorted);
            probs = probs.masked_fill(drop, 0);
            probs = probs / probs.sum(-1, keepdim: true);
        }
        return probs.MoveToOuterDisposeScope();
    }
}
