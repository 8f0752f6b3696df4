using Workbench.Cost;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>What a drafter proposed in one round.</summary>
/// <param name="Tokens">The drafted tokens (possibly fewer than γ when drafting stopped early, possibly none).</param>
/// <param name="Q">The distributions [n, V] they were drawn from (empty when n = 0).</param>
/// <param name="Confidence">Top-1 probability of each drafted position.</param>
/// <param name="StoppedEarly">True when the confidence rule ended the draft before γ tokens.</param>
public sealed record DraftProposal(long[] Tokens, Tensor Q, double[] Confidence, bool StoppedEarly);

/// <summary>Proposes tokens for the target to verify: a small model, the target's own early layers (Kangaroo),
/// or a fixed text. Keeps its own state (KV cache) in step with the accepted sequence.</summary>
public interface IDrafter : IDisposable
{
    /// <summary>Name for legends and traces.</summary>
    string Name { get; }

    /// <summary>Size of the vocabulary it drafts over (must equal the target's).</summary>
    int VocabSize { get; }

    /// <summary>Proposes up to <paramref name="gamma"/> tokens continuing <paramref name="context"/> (the whole
    /// sequence so far), stopping early when the top-1 probability falls below <paramref name="stopBelow"/>.
    /// Records its forward calls under the role "draft".</summary>
    DraftProposal Propose(IReadOnlyList<long> context, int gamma, double? stopBelow, SamplingOptions sampling, Generator random, CostLedger ledger);

    /// <summary>The round kept the first <paramref name="accepted"/> drafted tokens; everything after them in the
    /// drafter's state is stale and must be dropped. <paramref name="contextLength"/> is the context length the
    /// proposal continued.</summary>
    void Commit(int contextLength, int accepted);
}
