using System.Diagnostics;
using Workbench.Cost;
using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>Settings of a speculative run.</summary>
/// <param name="Gamma">Most tokens drafted per round (γ).</param>
/// <param name="StopDraftBelow">Dynamic draft length: stop drafting when the draft's top-1 probability falls below
/// this (null = always draft γ).</param>
/// <param name="Sampling">Greedy, or sampling settings shared by draft and target.</param>
/// <param name="Eos">Stop after this token.</param>
/// <param name="MaxNew">Most tokens to generate.</param>
public sealed record SpeculativeOptions(int Gamma = 4, double? StopDraftBelow = null, SamplingOptions? Sampling = null, long? Eos = null, int MaxNew = 64)
{
    /// <summary>The sampling settings (greedy when none were given).</summary>
    public SamplingOptions SamplingOrGreedy => Sampling ?? SamplingOptions.Greedy;
}

/// <summary>Speculative decoding, one draft-verify round at a time: <see cref="Step"/> drafts, verifies with one target
/// call over [pending token, drafts], keeps the accepted prefix, rolls the caches back, and returns what happened.</summary>
/// <remarks>Invariant between rounds: the target's cache holds every output token but the last ("pending"), whose
/// next-token distribution the next verify call computes alongside the drafts'.</remarks>
public sealed class SpeculativeSession : IDisposable
{
    readonly TransformerLM _target;
    readonly IDrafter _drafter;
    readonly IVerifier _verifier;
    readonly SpeculativeOptions _options;
    readonly KvCache _cache;
    readonly Generator _random;
    readonly List<long> _sequence;
    readonly List<SpeculativeStep> _steps = new();
    readonly CostLedger _ledger = new();
    readonly int _promptLength;
    readonly Stopwatch _wall = new();
    readonly Text.ITokenizer? _tokenizer;

    /// <summary>Starts a session: checks that draft and target share a vocabulary, then prefills the target.</summary>
    public SpeculativeSession(TransformerLM target, IDrafter drafter, IVerifier verifier, IReadOnlyList<long> prompt,
        SpeculativeOptions? options = null, Text.ITokenizer? tokenizer = null)
    {
        _tokenizer = tokenizer;
        _options = options ?? new SpeculativeOptions();
        _options.SamplingOrGreedy.Validate();
        if (_options.Gamma < 1) throw new ArgumentException($"gamma must be at least 1 (got {_options.Gamma})");
        if (drafter.VocabSize != target.Config.VocabSize)
            throw new ArgumentException($"mismatched vocabularies: the draft has {drafter.VocabSize} tokens, the target {target.Config.VocabSize}");
        if (prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token");
        if (prompt.Any(t => t < 0 || t >= target.Config.VocabSize)) throw new ArgumentException("a prompt token is outside the target's vocabulary");
        _target = target;
        _drafter = drafter;
        _verifier = verifier;
        _promptLength = prompt.Count;
        _sequence = prompt.ToList();
        int capacity = prompt.Count + _options.MaxNew + _options.Gamma + 2;
        if (capacity > target.Config.MaxSeqLen) throw new ArgumentException($"prompt + {_options.MaxNew} new tokens exceed the target's {target.Config.MaxSeqLen} positions");
        _cache = target.NewCache(capacity: capacity);
        _random = new Generator((ulong)_options.SamplingOrGreedy.Seed);
        var self = drafter as ISelfDrafter;
        if (self != null && (!ReferenceEquals(self.Target, target) || self.ExitLayer < 1 || self.ExitLayer >= target.Config.Layers))
            throw new ArgumentException($"a self-drafter must draft with this target's own layers [0, l), 1 <= l < {target.Config.Layers}");
        _wall.Start();
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            var clock = Stopwatch.StartNew();
            Tensor? exitStates = null;
            if (prompt.Count > 1)
            {
                // A self-drafter gets the prompt's layer-l states from the same pass (the prefill is split there).
                int split = self?.ExitLayer ?? 0;
                var hidden = target.Embed(tensor(prompt.Take(prompt.Count - 1).ToArray()).unsqueeze(0));
                if (split > 0) hidden = exitStates = target.RunLayers(hidden, 0, split, _cache);
                target.RunLayers(hidden, split, target.Config.Layers, _cache);
            }
            self?.Attach(_cache, exitStates);
            Prefill = clock.Elapsed;
            if (prompt.Count > 1)
                _ledger.Add("target", target.Config.Layers, Autoregressive.ForwardFlops(target.Config, prompt.Count - 1, prompt.Count - 1), prompt.Count - 1, clock.Elapsed);
        }
        _wall.Stop();
    }

    /// <summary>Prompt and generated tokens so far.</summary>
    public IReadOnlyList<long> Sequence => _sequence;

    /// <summary>Generated tokens so far.</summary>
    public IReadOnlyList<long> Output => _sequence.Skip(_promptLength).ToList();

    /// <summary>The rounds so far.</summary>
    public IReadOnlyList<SpeculativeStep> Steps => _steps;

    /// <summary>Cost so far (roles "draft" and "target", prefill included).</summary>
    public CostLedger Cost => _ledger;

    /// <summary>Wall time of the prompt prefill (also in <see cref="Cost"/>).</summary>
    public TimeSpan Prefill { get; }

    /// <summary>The target's KV cache (for tests that compare it with a recomputation).</summary>
    internal KvCache TargetCache => _cache;

    /// <summary>True after the end token or the token budget.</summary>
    public bool Finished { get; private set; }

    /// <summary>One draft-verify round.</summary>
    public SpeculativeStep Step()
    {
        if (Finished) throw new InvalidOperationException("the session has finished (end token or token budget reached)");
        _wall.Start();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var sampling = _options.SamplingOrGreedy;
        int contextLength = _sequence.Count;
        int budget = _options.MaxNew - (contextLength - _promptLength);
        var before = Snapshot();

        // Draft: at most γ tokens, and never more than the budget allows (the target adds one more).
        int gamma = Math.Min(_options.Gamma, Math.Max(0, budget - 1));
        var proposal = gamma > 0
            ? _drafter.Propose(_sequence, gamma, _options.StopDraftBelow, sampling, _random, _ledger)
            : new DraftProposal(Array.Empty<long>(), zeros(0, _target.Config.VocabSize), Array.Empty<double>(), false);
        var draft = proposal.Tokens;

        // Verify: one target call over [pending, d1..dn] gives p before each drafted token and after the last. A
        // self-drafter already ran layers [0, l) for these tokens: verification continues from its layer-l states.
        var clock = Stopwatch.StartNew();
        int from = proposal.VerifyStates is not null ? proposal.VerifyFrom : 0;
        var hidden = from == 0 ? _target.Embed(tensor(new[] { _sequence[^1] }.Concat(draft).ToArray()).unsqueeze(0)) : proposal.VerifyStates!;
        if (from > 0 && (hidden.shape[1] != draft.Length + 1 || _cache.LengthOf(from) != contextLength - 1 || _cache.LengthOf(from - 1) != contextLength + draft.Length))
            throw new InvalidOperationException($"the self-drafter's layer-{from} states do not line up with the cache "
                + $"({hidden.shape[1]} states for {draft.Length + 1} tokens; layer {from - 1} holds {_cache.LengthOf(from - 1)}, layer {from} holds {_cache.LengthOf(from)}, context {contextLength})");
        var normed = _target.FinalNorm(_target.RunLayers(hidden, from, _target.Config.Layers, _cache));
        var logits = _target.Project(normed)[0];               // [n+1, V]
        var p = sampling.Probabilities(logits);
        var pTrue = sampling.IsGreedy ? logits.softmax(-1) : p; // shown in traces: greedy p is one-hot
        var targetForward = clock.Elapsed;
        int verifyLayers = _target.Config.Layers - from;
        _ledger.Add("target", verifyLayers,
            verifyLayers * _target.Config.BlockFlops(draft.Length + 1, contextLength + draft.Length) + _target.Config.HeadFlops(draft.Length + 1),
            draft.Length + 1, targetForward);

        var verifyClock = Stopwatch.StartNew();
        var verdict = _verifier.Verify(new VerifyInput(draft, proposal.Q, p, _verifier.NeedsHidden ? normed[0] : null, _random));
        var verifyWall = verifyClock.Elapsed;

        // Keep the accepted prefix: the target cache keeps pending + accepted drafts; the drafter drops the rest.
        _cache.Truncate(contextLength + verdict.Accepted);
        _drafter.Commit(contextLength, verdict.Accepted);

        var targetChoice = pTrue.argmax(-1).data<long>().ToArray();
        var drafted = new DraftedToken[draft.Length];
        for (int i = 0; i < draft.Length; i++)
            drafted[i] = new DraftedToken(draft[i], proposal.Q[i, draft[i]].item<float>(), pTrue[i, draft[i]].item<float>(), verdict.Verdicts[i],
                targetChoice[i], pTrue[i, targetChoice[i]].item<float>(), proposal.Confidence[i], verdict.JudgeScores?[i]);

        var emitted = draft.Take(verdict.Accepted).Append(verdict.Next).ToList();
        if (_options.Eos is { } eos && emitted.IndexOf(eos) is var at && at >= 0)
        {
            emitted = emitted.Take(at + 1).ToList();
            Finished = true;
        }
        _sequence.AddRange(emitted);
        if (_sequence.Count - _promptLength >= _options.MaxNew) Finished = true;

        var after = Snapshot();
        var cost = new StepCost((int)(after.DraftCalls - before.DraftCalls), 1, after.DraftLayers - before.DraftLayers, verifyLayers,
            after.DraftFlops - before.DraftFlops, after.TargetFlops - before.TargetFlops, after.DraftWall - before.DraftWall, targetForward, verifyWall);
        var step = new SpeculativeStep(_steps.Count, contextLength, drafted, verdict.Next, verdict.NextVerdict,
            pTrue[verdict.Accepted, verdict.Next].item<float>(), verdict.Accepted, proposal.StoppedEarly, cost) { Tokenizer = _tokenizer, Emitted = emitted.Count };
        _steps.Add(step);
        _wall.Stop();
        return step;
    }

    /// <summary>Runs rounds until the end token or the token budget; returns the whole trace.</summary>
    public SpeculativeTrace Run()
    {
        while (!Finished) Step();
        return Trace();
    }

    /// <summary>The trace so far.</summary>
    public SpeculativeTrace Trace() => new(_sequence.Take(_promptLength).ToList(), Output, _steps.ToList(), _ledger,
        _drafter.Name, _verifier.Name, _options.Gamma, _wall.Elapsed, Prefill) { Tokenizer = _tokenizer };

    (long DraftCalls, long DraftLayers, double DraftFlops, double TargetFlops, TimeSpan DraftWall) Snapshot()
    {
        var d = _ledger["draft"];
        return (d.Calls, d.Layers, d.Flops, _ledger["target"].Flops, d.Wall);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _cache.Dispose();
        _random.Dispose();
    }
}
