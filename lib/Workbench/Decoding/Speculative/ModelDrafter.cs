using System.Diagnostics;
using Workbench.Cost;
using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>A separate small language model as the draft, with its own KV cache. Each round it first feeds the
/// context tokens it has not seen (one normally; two after a round that accepted everything, because the last
/// drafted token was never fed), then drafts token by token.</summary>
public sealed class ModelDrafter : IDrafter
{
    readonly TransformerLM _model;
    readonly KvCache _cache;
    int _processed; // context tokens held in the cache

    /// <summary>Drafts with <paramref name="model"/>; the cache holds up to <paramref name="capacity"/> tokens.</summary>
    public ModelDrafter(TransformerLM model, int capacity, string name = "draft model")
    {
        _model = model;
        _cache = model.NewCache(capacity: capacity);
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int VocabSize => _model.Config.VocabSize;

    /// <summary>The drafting model.</summary>
    public TransformerLM Model => _model;

    /// <inheritdoc/>
    public DraftProposal Propose(IReadOnlyList<long> context, int gamma, double? stopBelow, SamplingOptions sampling, Generator random, CostLedger ledger)
    {
        using var _ = no_grad();
        var tokens = new List<long>();
        var dists = new List<Tensor>();
        var confidence = new List<double>();
        bool stopped = false;
        var input = context.Skip(_processed).ToArray();
        if (input.Length == 0) throw new InvalidOperationException("the drafter has already seen the whole context");
        while (tokens.Count < gamma)
        {
            var clock = Stopwatch.StartNew();
            int seen = _cache.Length + input.Length;
            var logits = _model.Forward(tensor(input).unsqueeze(0), _cache).select(1, -1)[0];
            var q = sampling.Probabilities(logits);
            // Confidence is the draft model's own top-1 probability: under greedy drafting q is one-hot, so it cannot
            // say how sure the draft is (a dynamic draft length would never stop).
            double top = (sampling.IsGreedy ? logits.softmax(-1) : q).max().item<float>();
            ledger.Add("draft", _model.Config.Layers, Autoregressive.ForwardFlops(_model.Config, input.Length, seen), input.Length, clock.Elapsed);
            _processed += input.Length;
            if (stopBelow is { } threshold && top < threshold) { stopped = true; break; }
            long token = sampling.IsGreedy ? q.argmax().item<long>() : VerifierMath.Sample(q, random);
            tokens.Add(token);
            dists.Add(q.DetachFromDisposeScope());
            confidence.Add(top);
            if (tokens.Count == gamma) break; // the last drafted token is fed next round, only if it is kept
            input = new[] { token };
        }
        var stacked = dists.Count > 0 ? stack(dists) : zeros(0, VocabSize);
        foreach (var d in dists) d.Dispose();
        return new DraftProposal(tokens.ToArray(), stacked, confidence.ToArray(), stopped);
    }

    /// <inheritdoc/>
    public void Commit(int contextLength, int accepted)
    {
        _processed = Math.Min(_processed, contextLength + accepted);
        _cache.Truncate(_processed);
    }

    /// <inheritdoc/>
    public void Dispose() => _cache.Dispose();
}
