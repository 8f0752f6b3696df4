using System.Diagnostics;
using Workbench.Models.Transformer;
using Workbench.Viz;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>The roofline question for speculative decoding: how much more does one target call cost when it verifies
/// k tokens instead of decoding one? While the weights' memory traffic and the per-call overhead dominate, k tokens
/// cost about as much as one ("verification is free"); once the arithmetic dominates, cost grows with k.</summary>
public static class VerifyCostProbe
{
    /// <summary>Best-of-repeats wall time of one call over k new tokens after a cached context.</summary>
    public sealed record Point(int Tokens, double MsPerCall)
    {
        /// <summary>Time per token verified.</summary>
        public double MsPerToken => MsPerCall / Tokens;
    }

    /// <summary>Measures calls of 1..k tokens after <paramref name="context"/> cached tokens.</summary>
    public static IReadOnlyList<Point> Measure(TransformerLM model, int context, IReadOnlyList<int> chunkSizes, int repeats = 7)
    {
        using var _ = no_grad();
        var rng = new Random(0);
        var prefix = Enumerable.Range(0, context).Select(_ => (long)rng.Next(model.Config.VocabSize)).ToArray();
        var points = new List<Point>();
        using var cache = model.NewCache(capacity: context + chunkSizes.Max() + 1);
        model.Forward(tensor(prefix).unsqueeze(0), cache);
        foreach (var k in chunkSizes)
        {
            var chunk = tensor(Enumerable.Range(0, k).Select(_ => (long)rng.Next(model.Config.VocabSize)).ToArray()).unsqueeze(0);
            double best = double.MaxValue;
            for (int r = 0; r < repeats + 1; r++) // the first call warms up
            {
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                model.Forward(chunk, cache);
                var ms = clock.Elapsed.TotalMilliseconds;
                cache.Truncate(context);
                if (r > 0) best = Math.Min(best, ms);
            }
            points.Add(new Point(k, best));
        }
        return points;
    }

    /// <summary>Time per call and per token against tokens per call, with the "free verification" line.</summary>
    public static Figure Figure(IReadOnlyList<Point> points, string modelName)
    {
        var k = points.Select(p => (double)p.Tokens).ToArray();
        double one = points.First(p => p.Tokens == points.Min(q => q.Tokens)).MsPerCall;
        return new Figure($"What one {modelName} call costs when it verifies k tokens", height: 380)
            .Line(k, points.Select(p => p.MsPerCall), "ms per call (measured)", markers: true)
            .Line(k, points.Select(p => p.MsPerToken), "ms per token (measured)", markers: true, dash: "dot")
            .Line(k, k.Select(_ => one), "free verification (cost of one token)", "#999", dash: "dash")
            .Line(k, k.Select(x => one * x), "k separate calls", "#d62728", dash: "dash")
            .XAxis("tokens per call k").YAxis("milliseconds", log: true);
    }
}
