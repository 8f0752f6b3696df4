using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.TokenDrop;

/// <summary>How a method turns one query's attention logits [B, heads, T] into one score per token [B, T].</summary>
public enum TokenScoring
{
    /// <summary>Softmax over tokens per head, then the mean over heads (PyramidDrop's rank, FastV's).</summary>
    SoftmaxMeanOverHeads,

    /// <summary>Pre-softmax q·k summed over heads, then a 1-D average pool over neighbouring tokens (GemFilter's).</summary>
    LogitSumPooled,

    /// <summary>A random rank that ignores attention (the control: is an attention rank better than any rank?). The
    /// same generator seed every call, so a run repeats.</summary>
    Random,
}

/// <summary>Token scores from attention logits, and top-k selection that keeps the order of the sequence.</summary>
public static class TokenScores
{
    /// <summary>Seed of <see cref="TokenScoring.Random"/>'s generator.</summary>
    public const ulong RandomRankSeed = 20_241_022;

    /// <summary>One score per token [B, T] from one query's attention logits [B, heads, T] (keys after the query at
    /// -inf score lowest under every rule).</summary>
    /// <param name="pool">Average-pool width for <see cref="TokenScoring.LogitSumPooled"/> (odd; GemFilter uses 5).</param>
    public static Tensor Score(Tensor logits, TokenScoring how, int pool = 5)
    {
        using var scope = NewDisposeScope();
        Tensor scores;
        if (how == TokenScoring.SoftmaxMeanOverHeads) scores = logits.softmax(-1).mean(new long[] { 1 });
        else if (how == TokenScoring.Random)
        {
            using var generator = new TorchSharp.torch.Generator(RandomRankSeed);
            var future = logits.isinf().all(1);
            scores = rand(new[] { logits.shape[0], logits.shape[2] }, generator: generator).to(logits.device).masked_fill(future, float.NegativeInfinity);
        }
        else
        {
            if (pool < 1 || pool % 2 == 0) throw new ArgumentException($"the pooling width must be odd and positive (got {pool})");
            var future = logits.isinf().all(1);                                   // [B, T]: keys after the query
            var summed = logits.masked_fill(logits.isinf(), 0).sum(1);           // [B, T]
            if (pool > 1)
            {
                // Average over the visible neighbours only (edges and future keys do not pull a score down).
                var visible = future.logical_not().to_type(ScalarType.Float32);
                var total = F.avg_pool1d((summed * visible).unsqueeze(1), pool, stride: 1, padding: pool / 2);
                var count = F.avg_pool1d(visible.unsqueeze(1), pool, stride: 1, padding: pool / 2);
                summed = (total / count.clamp_min(1e-9)).squeeze(1);
            }
            scores = summed.masked_fill(future, float.NegativeInfinity);          // future keys never win
        }
        return scores.MoveToOuterDisposeScope();
    }

    /// <summary>Indices [B, n] of the tokens to keep, in sequence order: every token where <paramref name="droppable"/>
    /// is false, plus the <paramref name="keepDroppable"/> droppable tokens with the highest scores [B, T].</summary>
    public static Tensor KeepTopK(Tensor scores, Tensor droppable, int keepDroppable)
    {
        using var scope = NewDisposeScope();
        long t = scores.shape[1];
        var drop = droppable.dim() == 1 ? droppable.unsqueeze(0).expand(scores.shape[0], t) : droppable;
        long candidates = drop[0].sum().item<long>();
        if (keepDroppable < 0 || keepDroppable > candidates)
            throw new ArgumentException($"cannot keep {keepDroppable} of {candidates} droppable tokens");
        // Protected tokens score +inf so top-k always takes them; then sort the winners back into sequence order.
        var ranked = scores.masked_fill(drop.logical_not(), float.PositiveInfinity);
        long keep = t - candidates + keepDroppable;
        var (_, top) = ranked.topk((int)keep, dim: 1);
        var (kept, _) = top.sort(1);
        return kept.MoveToOuterDisposeScope();
    }
}
