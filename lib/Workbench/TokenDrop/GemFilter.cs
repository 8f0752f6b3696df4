using Workbench.Decoding;
using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.TokenDrop;

/// <summary>What GemFilter selected and what it cost.</summary>
/// <param name="Layer">The filter layer r: layers 0..r-1 ran over the whole prompt, then layer r's attention ranked it.</param>
/// <param name="Selected">Original indices of the kept tokens, in order.</param>
/// <param name="SelectedIds">Their token ids: the second pass's prompt, positions renumbered 0..n-1.</param>
/// <param name="FirstPassFlops">Layers 0..r-1 over the whole prompt plus layer r's scoring.</param>
/// <param name="SecondPassFlops">The full model over the selected tokens (prompt processing, head on the last).</param>
/// <param name="FullFlops">The full model over the whole prompt.</param>
public sealed record GemFilterSelection(int Layer, long[] Selected, long[] SelectedIds, double FirstPassFlops, double SecondPassFlops, double FullFlops)
{
    /// <summary>Prompt-processing FLOPs of both passes over the full model's.</summary>
    public double FlopsShare => (FirstPassFlops + SecondPassFlops) / FullFlops;
}

/// <summary>GemFilter (Shi et al.): the first r layers over a long prompt already attend to the relevant tokens; keep
/// the top-k by the last token's pre-softmax attention at layer r (summed over heads, average-pooled), then run the
/// whole model on just those, positions renumbered, and generate as usual.</summary>
public static class GemFilter
{
    /// <summary>Selects <paramref name="keep"/> of the droppable tokens of <paramref name="ids"/> (tokens marked false in
    /// <paramref name="droppable"/>, such as the query, are always kept) by layer <paramref name="layer"/>'s attention.</summary>
    public static GemFilterSelection Select(TransformerLM model, long[] ids, bool[] droppable, int layer, int keep, int pool = 5)
    {
        var c = model.Config;
        if (layer < 0 || layer >= c.Layers) throw new ArgumentException($"filter layer {layer} is outside 0..{c.Layers - 1}");
        if (droppable.Length != ids.Length) throw new ArgumentException($"the droppable mask has {droppable.Length} entries for {ids.Length} tokens");
        if (droppable[^1]) throw new ArgumentException("the last token (the query) ranks the others and cannot itself be dropped");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var h = model.RunLayers(model.Embed(tensor(ids).unsqueeze(0)), 0, layer);
        var selected = Rank(model, h, layer, droppable, keep, pool);
        long n = ids.Length;
        double first = layer * c.BlockFlops(n, n) + Cost.Flops.Linear(1, c.Dim, c.Dim) + Cost.Flops.Linear(n, c.Dim, (long)c.KvHeads * c.HeadDim) + 2.0 * n * c.Dim;
        return new GemFilterSelection(layer, selected, selected.Select(i => ids[i]).ToArray(), first,
            Autoregressive.ForwardFlops(c, selected.Length, selected.Length) - c.HeadFlops(selected.Length - 1), Autoregressive.ForwardFlops(c, n, n) - c.HeadFlops(n - 1));
    }

    /// <summary>For every layer r, the tokens GemFilter would select there (one full forward; the "gems in early
    /// layers" view: at which depth does the top-k contain the needle?).</summary>
    public static long[][] SelectionByLayer(TransformerLM model, long[] ids, bool[] droppable, int keep, int pool = 5)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var h = model.Embed(tensor(ids).unsqueeze(0));
        var byLayer = new long[model.Config.Layers][];
        for (int layer = 0; layer < model.Config.Layers; layer++)
        {
            byLayer[layer] = Rank(model, h, layer, droppable, keep, pool);
            h = model.RunLayers(h, layer, layer + 1);
        }
        return byLayer;
    }

    static long[] Rank(TransformerLM model, Tensor layerInput, int layer, bool[] droppable, int keep, int pool)
    {
        var logits = model.QueryLogits(layerInput, layer, layerInput.shape[1] - 1);
        var scores = TokenScores.Score(logits, TokenScoring.LogitSumPooled, pool);
        return TokenScores.KeepTopK(scores, tensor(droppable), keep)[0].data<long>().ToArray();
    }
}
