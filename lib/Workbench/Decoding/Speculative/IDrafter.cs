using Workbench.Cost;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>What a drafter proposed in one round.</summary>
/// <param name="Tokens">The drafted tokens (possibly fewer than γ when drafting stopped early, possibly none).</param>
/// <param name="Q">The distributions [n, V] they were drawn from (empty when n = 0).</param>
/// <param name="Confidence">Top-1 probability of each drafted position.</param>
/// <param name="StoppedEarly">True when the confidence rule ended the draft before γ tokens.</param>
/// <param name="VerifyStates">Self-speculation: the target's own layer-<paramref name="VerifyFrom"/> states [1, n+1, d]
/// of [pending token, drafts], already computed (and their KV entries for the layers below written into the target's
/// cache) while drafting; verification then runs only layers VerifyFrom..L-1. Null: verification runs every layer.</param>
/// <param name="VerifyFrom">The layer those states enter (0 when there are none).</param>
public sealed record DraftProposal(long[] Tokens, Tensor Q, double[] Confidence, bool StoppedEarly, Tensor? VerifyStates = null,
    int VerifyFrom = 0);

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

/// <summary>A drafter made of the target's own first layers (self-speculation: Kangaroo, LayerSkip). It shares the
/// target's KV cache: drafting writes the entries of layers [0, <see cref="ExitLayer"/>) for the pending token and the
/// drafts, and its proposals carry the layer-ExitLayer states so verification starts there.</summary>
public interface ISelfDrafter : IDrafter
{
    /// <summary>The target whose layers it drafts with (the session's target must be this very model).</summary>
    Models.Transformer.TransformerLM Target { get; }

    /// <summary>l: drafting runs the target's layers [0, l); verification runs [l, L).</summary>
    int ExitLayer { get; }

    /// <summary>Called once by the session after it prefilled the prompt (all but its last token) into
    /// <paramref name="targetCache"/>, with the layer-l states of those tokens ([1, n-1, d], null for a one-token
    /// prompt) so an adapter with its own cache can prefill too.</summary>
    void Attach(Models.Transformer.KvCache targetCache, Tensor? prefillStates);
}
