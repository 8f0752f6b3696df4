using Workbench.Models;
using Workbench.Models.Transformer;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.TokenDrop;

/// <summary>What SnapKV-style eviction kept and generated.</summary>
/// <param name="Generated">Greedy continuation decoded over the evicted cache.</param>
/// <param name="Kept">Per layer, per key/value head, the prompt positions whose entries stayed (window included).</param>
/// <param name="PrefillFlops">The full prompt pass (SnapKV saves nothing here).</param>
/// <param name="DecodeFlops">Decoding over the evicted cache.</param>
public sealed record SnapKvResult(long[] Generated, long[][][] Kept, double PrefillFlops, double DecodeFlops);

/// <summary>SnapKV-style KV eviction (Li et al.), the baseline GemFilter compares with: process the whole prompt, then
/// keep, per layer and key/value head, the prompt entries the last <c>window</c> prompt tokens attended to most
/// (summed over the window and the query heads of the group, average-pooled), plus the window itself; decode on.</summary>
public static class SnapKv
{
    /// <summary>Greedy decoding of <paramref name="maxNew"/> tokens after evicting all but <paramref name="keep"/>
    /// prompt entries (outside the window) per layer and head.</summary>
    public static SnapKvResult Generate(TransformerLM model, long[] prompt, int keep, int maxNew, int window = 8, int pool = 7, long? eos = null)
    {
        var c = model.Config;
        int t = prompt.Length;
        if (window < 1 || window >= t) throw new ArgumentException($"the observation window ({window}) must be shorter than the prompt ({t})");
        if (keep < 0 || keep > t - window) throw new ArgumentException($"cannot keep {keep} of the {t - window} entries before the window");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var cache = model.NewCache(capacity: t + maxNew);
        using var taps = new TapSet("blocks.*.attn.scores");
        var logits = model.Forward(tensor(prompt).unsqueeze(0), cache, taps);
        double prefill = Decoding.Autoregressive.ForwardFlops(c, t, t);

        int group = c.Heads / c.KvHeads, prefix = t - window;
        var kept = new long[c.Layers][][];
        var windowIndices = arange(prefix, t, dtype: ScalarType.Int64).view(1, 1, window).expand(1, c.KvHeads, window);
        for (int layer = 0; layer < c.Layers; layer++)
        {
            var probs = taps[$"blocks.{layer}.attn.scores"];                                   // [1, H, T, T]
            var votes = probs.narrow(2, prefix, window).narrow(3, 0, prefix).sum(2);          // [1, H, prefix]
            votes = votes.view(1, c.KvHeads, group, prefix).sum(2);                            // [1, kvH, prefix]
            if (pool > 1) votes = F.avg_pool1d(votes, pool, stride: 1, padding: pool / 2, count_include_pad: false);
            var (_, top) = votes.topk(keep, dim: 2);
            var (chosen, _) = top.sort(2);
            var index = cat(new[] { chosen, windowIndices }, 2);
            cache.Keep(layer, index);
            kept[layer] = Enumerable.Range(0, c.KvHeads).Select(h => index[0, h].data<long>().ToArray()).ToArray();
        }

        var generated = new List<long>();
        long next = logits[0, t - 1].argmax().item<long>();
        double decode = 0;
        for (int i = 0; i < maxNew; i++)
        {
            generated.Add(next);
            if (next == eos || i == maxNew - 1) break;
            using var step = NewDisposeScope();
            int cached = cache.LengthOf(0);
            var h = model.RunLayers(model.Embed(tensor(new[] { next }).unsqueeze(0)), 0, c.Layers, cache, start: t + i);
            decode += c.Layers * c.BlockFlops(1, cached + 1) + c.HeadFlops(1);
            next = model.Head(h)[0, 0].argmax().item<long>();
        }
        return new SnapKvResult(generated.ToArray(), kept, prefill, decode);
    }
}
