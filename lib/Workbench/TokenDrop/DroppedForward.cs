using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.TokenDrop;

/// <summary>Which tokens survived one drop.</summary>
/// <param name="Layer">The drop happened before this layer ran.</param>
/// <param name="Kept">Per sample, the original indices of the tokens left, in sequence order.</param>
public sealed record StageKeep(int Layer, long[][] Kept);

/// <summary>A forward pass with tokens dropped along the way.</summary>
/// <param name="Logits">[B, V] at the last token (the query, never dropped); differentiable, so a drop schedule can
/// also be applied while training.</param>
/// <param name="Stages">The tokens left after each drop.</param>
/// <param name="TokensPerLayer">How many tokens each layer ran on.</param>
/// <param name="Flops">FLOPs per sample: every block on the tokens it saw, the scoring at each drop, the head on the
/// last token.</param>
/// <param name="FullFlops">The same model without drops.</param>
/// <param name="KeptOnlyFlops">The same model on the never-droppable tokens alone.</param>
public sealed record DropResult(Tensor Logits, IReadOnlyList<StageKeep> Stages, int[] TokensPerLayer, double Flops, double FullFlops, double KeptOnlyFlops)
{
    /// <summary>Share of the droppable tokens' FLOPs still spent: (Flops - KeptOnly) / (Full - KeptOnly). PyramidDrop's
    /// "image-token FLOPs" ratio when the droppable tokens are image patches.</summary>
    public double DroppableFlopsShare => (Flops - KeptOnlyFlops) / (FullFlops - KeptOnlyFlops);
}

/// <summary>Runs a transformer layer by layer and drops droppable tokens as a <see cref="DropSchedule"/> says: before a
/// drop layer, that layer's attention from the last token (recomputed from its q and k, as PyramidDrop's code does)
/// ranks the droppable tokens; the top ones stay, in order, with their original positions. FastV's single drop and
/// PyramidDrop's stages are two schedules of this one mechanism.</summary>
public static class DroppedForward
{
    /// <summary>Runs <paramref name="embeddings"/> [B, T, d] (e.g. projected image patches followed by embedded question
    /// tokens) through every layer; <paramref name="droppable"/> [T] marks the tokens that may be dropped (never the
    /// last one). No KV cache: this is prompt processing, where the drops save compute.</summary>
    public static DropResult Run(TransformerLM model, Tensor embeddings, bool[] droppable, DropSchedule schedule)
    {
        var c = model.Config;
        schedule.Validate(c.Layers);
        long b = embeddings.shape[0], t = embeddings.shape[1], d = embeddings.shape[2];
        if (droppable.Length != t) throw new ArgumentException($"the droppable mask has {droppable.Length} entries for {t} tokens");
        if (droppable[^1]) throw new ArgumentException("the last token ranks the others and cannot itself be dropped");
        int candidates = droppable.Count(x => x);
        var kept = schedule.KeptPerLayer(c.Layers, candidates);

        using var scope = NewDisposeScope();
        var device = embeddings.device;
        var positions = arange(t, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(b, t).contiguous();
        var original = positions.clone();
        var drop = tensor(droppable, device: device).unsqueeze(0).expand(b, t).contiguous();
        var h = embeddings;
        var stages = new List<StageKeep>();
        var tokensPerLayer = new int[c.Layers];
        double flops = 0, kvDim = (double)c.KvHeads * c.HeadDim;
        int next = 0;
        for (int layer = 0; layer < c.Layers; layer++)
        {
            if (next < schedule.Stages.Count && schedule.Stages[next].Layer == layer)
            {
                long n = h.shape[1];
                var logits = model.QueryLogits(h, layer, n - 1, positions);
                var keep = TokenScores.KeepTopK(TokenScores.Score(logits, schedule.Scoring), drop, kept[layer]);
                h = h.gather(1, keep.unsqueeze(-1).expand(b, keep.shape[1], d));
                positions = positions.gather(1, keep);
                original = original.gather(1, keep);
                drop = drop.gather(1, keep);
                stages.Add(new StageKeep(layer, Enumerable.Range(0, (int)b).Select(i => original[i].data<long>().ToArray()).ToArray()));
                // Scoring cost: the query's q, every token's k, one row of logits.
                flops += Cost.Flops.Linear(1, c.Dim, c.Dim) + Cost.Flops.Linear(n, c.Dim, (long)kvDim) + 2.0 * n * c.Dim;
                while (next < schedule.Stages.Count && schedule.Stages[next].Layer == layer) next++;
            }
            h = model.RunLayers(h, layer, layer + 1, positions: positions);
            tokensPerLayer[layer] = (int)h.shape[1];
            flops += c.BlockFlops(h.shape[1], h.shape[1]);
        }
        var last = model.Head(h.narrow(1, h.shape[1] - 1, 1)).squeeze(1).MoveToOuterDisposeScope();
        flops += c.HeadFlops(1);
        long protectedTokens = t - candidates;
        double full = c.Layers * c.BlockFlops(t, t) + c.HeadFlops(1);
        double keptOnly = c.Layers * c.BlockFlops(protectedTokens, protectedTokens) + c.HeadFlops(1);
        return new DropResult(last, stages, tokensPerLayer, flops, full, keptOnly);
    }
}
