using System.Diagnostics;
using Workbench.Cost;
using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>Self-speculation: the target's own first l layers, an exit adapter and the target's LM head draft tokens
/// (Kangaroo with a trained adapter; LayerSkip-style with <see cref="FinalNormExit"/>). Drafting writes layers [0, l)
/// of the target's cache, and each proposal carries the layer-l states of [pending, drafts], so verification only runs
/// layers [l, L) and nothing is computed twice.</summary>
/// <remarks>
/// Drafting stops early (the second early exit) when the top-1 probability falls below the session's threshold η.
/// When γ tokens were drafted, the last one still needs its layer-l state for verification: one more pass through the
/// shallow layers alone. An attending adapter never sees that last token during drafting, so when a round keeps every
/// drafted token its KV entry is missing; the state is kept and fed to the adapter first next round (the fix-up).
/// </remarks>
public sealed class SelfDrafter : ISelfDrafter
{
    readonly IExitAdapter _adapter;
    readonly int _capacity;
    KvCache? _cache;          // the target's, shared with the session
    KvCache? _adapterCache;   // the adapter's own
    Tensor? _unfed;           // layer-l states [1, m, d] at positions [adapter length, +m) the adapter has not seen
    Tensor? _lastStates;      // layer-l states of the last proposal's [pending, drafts]
    int _lastStart;           // position of the first of them

    /// <summary>Drafts with <paramref name="target"/>'s layers [0, <paramref name="exitLayer"/>) and
    /// <paramref name="adapter"/> (the plain final-norm exit when null); the adapter's cache holds up to
    /// <paramref name="capacity"/> positions.</summary>
    public SelfDrafter(TransformerLM target, int exitLayer, IExitAdapter? adapter = null, int capacity = 256, string? name = null)
    {
        if (exitLayer < 1 || exitLayer >= target.Config.Layers)
            throw new ArgumentOutOfRangeException(nameof(exitLayer), $"the exit layer must be in 1..{target.Config.Layers - 1} (got {exitLayer})");
        Target = target;
        ExitLayer = exitLayer;
        _adapter = adapter ?? new FinalNormExit(target);
        _capacity = capacity;
        Name = name ?? $"self-draft: layers 0..{exitLayer - 1}, {_adapter.Name}";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int VocabSize => Target.Config.VocabSize;

    /// <inheritdoc/>
    public TransformerLM Target { get; }

    /// <inheritdoc/>
    public int ExitLayer { get; }

    /// <summary>The adapter between layer l and the head.</summary>
    public IExitAdapter Adapter => _adapter;

    /// <summary>The adapter's own KV cache (for tests that compare it with a recomputation).</summary>
    internal KvCache? AdapterCache => _adapterCache;

    /// <summary>Layer-l states kept for the adapter to see first next round (the last draft after a round that kept
    /// every draft; 0 otherwise).</summary>
    internal int Unfed => (int)(_unfed?.shape[1] ?? 0);

    /// <summary>Positions the adapter's own cache holds (0 when it does not attend).</summary>
    public int AdapterLength => _adapterCache?.Length ?? 0;

    /// <summary>FLOPs of one drafting call: the pending token (or a draft) through layers [0, l) at context
    /// <paramref name="context"/>, the adapter over <paramref name="adapterTokens"/> positions, the head.</summary>
    public double DraftFlops(long context, long adapterTokens) =>
        ExitLayer * Target.Config.BlockFlops(1, context) + _adapter.Flops(adapterTokens, context) + Target.Config.HeadFlops(1);

    /// <inheritdoc/>
    public void Attach(KvCache targetCache, Tensor? prefillStates)
    {
        _cache = targetCache;
        _adapterCache?.Dispose();
        _adapterCache = _adapter.NewCache(_capacity);
        DisposeStates();
        if (prefillStates is null || !_adapter.Attends) return;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        _adapter.Forward(prefillStates, 0, _adapterCache); // the adapter's own prefill
    }

    /// <inheritdoc/>
    public DraftProposal Propose(IReadOnlyList<long> context, int gamma, double? stopBelow, SamplingOptions sampling, Generator random, CostLedger ledger)
    {
        var cache = _cache ?? throw new InvalidOperationException("a self-drafter drafts inside a speculative session (Attach was not called)");
        using var _ = no_grad();
        int n = context.Count, seen = AdapterLength + (int)(_unfed?.shape[1] ?? 0);
        // Between rounds the shallow layers (and an attending adapter) hold every position but the pending token's.
        if (cache.LengthOf(0) != n - 1 || (_adapter.Attends && seen != n - 1))
            throw new InvalidOperationException($"the self-drafter is out of step with the context ({n} tokens): layer 0 holds {cache.LengthOf(0)} positions"
                + (_adapter.Attends ? $", the adapter has seen {seen}" : "") + "; it only drafts inside a speculative session");
        var tokens = new List<long>();
        var dists = new List<Tensor>();
        var confidence = new List<double>();
        var states = new List<Tensor>();
        bool stopped = false;
        long token = context[^1];
        _lastStart = n - 1;
        while (tokens.Count < gamma)
        {
            var clock = Stopwatch.StartNew();
            int position = cache.LengthOf(0);
            var h = Shallow(token);                           // [1, 1, d] at layer l
            states.Add(h);
            var adapterIn = _adapter.Attends && _unfed is { } unfed ? cat(new[] { unfed, h }, 1) : h;
            long adapterTokens = adapterIn.shape[1];
            var normed = _adapter.Forward(adapterIn, AdapterLength, _adapterCache);
            DisposeUnfed();
            var logits = Target.Project(normed.select(1, -1))[0];
            var q = sampling.Probabilities(logits);
            double top = logits.softmax(-1).max().item<float>(); // the draft's own confidence, also under greedy
            ledger.Add("draft", ExitLayer, DraftFlops(position + 1, adapterTokens), 1, clock.Elapsed);
            if (stopBelow is { } eta && top < eta) { stopped = true; break; } // the second early exit
            token = sampling.IsGreedy ? q.argmax().item<long>() : VerifierMath.Sample(q, random);
            tokens.Add(token);
            dists.Add(q.DetachFromDisposeScope());
            confidence.Add(top);
        }
        if (tokens.Count == gamma && gamma > 0)
        {
            // Verification needs the last draft's layer-l state too: the shallow layers alone (no adapter, no head).
            var clock = Stopwatch.StartNew();
            int position = cache.LengthOf(0);
            states.Add(Shallow(token));
            ledger.Add("draft", ExitLayer, ExitLayer * Target.Config.BlockFlops(1, position + 1), 1, clock.Elapsed, calls: 0);
        }
        _lastStates?.Dispose();
        _lastStates = cat(states, 1).DetachFromDisposeScope();   // [1, drafted + 1, d]
        var stacked = dists.Count > 0 ? stack(dists) : zeros(0, VocabSize);
        foreach (var d in dists) d.Dispose();
        return new DraftProposal(tokens.ToArray(), stacked, confidence.ToArray(), stopped, _lastStates, ExitLayer);
    }

    /// <inheritdoc/>
    public void Commit(int contextLength, int accepted)
    {
        int kept = contextLength + accepted; // positions 0..kept-1 stay; the target's own next token becomes pending
        _cache?.Truncate(kept, 0, ExitLayer);
        if (_adapterCache == null) return;
        _adapterCache.Truncate(kept);
        int missing = kept - _adapterCache.Length;
        if (missing > 0 && _lastStates is not null && _lastStart == contextLength - 1)
        {
            // Every draft was kept: the adapter never saw the last one. Feed its layer-l state first next round.
            int offset = _adapterCache.Length - _lastStart;
            DisposeUnfed();
            _unfed = _lastStates.narrow(1, offset, missing).clone().DetachFromDisposeScope();
        }
    }

    /// <summary>One token through the target's layers [0, l), appending their KV entries to the target's cache.</summary>
    Tensor Shallow(long token) =>
        Target.RunLayers(Target.Embed(tensor(new[] { token }).unsqueeze(0)), 0, ExitLayer, _cache);

    void DisposeUnfed()
    {
        _unfed?.Dispose();
        _unfed = null;
    }

    void DisposeStates()
    {
        DisposeUnfed();
        _lastStates?.Dispose();
        _lastStates = null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        DisposeStates();
        _adapterCache?.Dispose();
    }
}
