using Workbench.Cost;

namespace Workbench.Decoding.Speculative;

/// <summary>One drafted token and what the verifier said of it.</summary>
/// <param name="Token">The drafted token.</param>
/// <param name="Q">Its probability under the draft.</param>
/// <param name="P">Its probability under the target at that position.</param>
/// <param name="Verdict">Accepted, judge-accepted, rejected, or discarded (after the rejection).</param>
/// <param name="TargetChoice">The target's most likely token at that position (the alternative shown on hover).</param>
/// <param name="TargetChoiceP">The target's probability of <paramref name="TargetChoice"/>.</param>
/// <param name="DraftConfidence">The draft's top-1 probability at that position.</param>
/// <param name="JudgeScore">The judge's score, when a judge took part.</param>
public sealed record DraftedToken(long Token, double Q, double P, Verdict Verdict, long TargetChoice, double TargetChoiceP,
    double DraftConfidence, double? JudgeScore);

/// <summary>The cost of one round: calls, layers, FLOPs and wall time of draft and target.</summary>
public sealed record StepCost(int DraftCalls, int TargetCalls, long DraftLayers, long TargetLayers, double DraftFlops,
    double TargetFlops, TimeSpan DraftWall, TimeSpan TargetWall, TimeSpan VerifyWall);

/// <summary>One draft-verify round: what was drafted, what the verifier said, the token the target appended, the cost.</summary>
/// <param name="Index">Round number, from 0.</param>
/// <param name="ContextLength">Tokens in the sequence before this round.</param>
/// <param name="Drafted">The drafted tokens with their verdicts.</param>
/// <param name="Next">The token the target appended (correction or bonus).</param>
/// <param name="NextVerdict">Resampled or Bonus.</param>
/// <param name="NextP">The target's probability of <paramref name="Next"/>.</param>
/// <param name="Accepted">Drafted tokens kept.</param>
/// <param name="DraftStoppedEarly">True when the draft's confidence rule ended drafting before γ.</param>
/// <param name="Cost">What the round cost.</param>
public sealed record SpeculativeStep(int Index, int ContextLength, IReadOnlyList<DraftedToken> Drafted, long Next, Verdict NextVerdict,
    double NextP, int Accepted, bool DraftStoppedEarly, StepCost Cost)
{
    /// <summary>The tokenizer that names the tokens in views (none: ids are shown).</summary>
    public Text.ITokenizer? Tokenizer { get; init; }

    readonly int? _emitted;

    /// <summary>Tokens this round added to the output: kept drafts plus the target's token, fewer when the end token
    /// came first (the tokens after it are not output).</summary>
    public int Emitted { get => _emitted ?? Accepted + 1; init => _emitted = value; }

    /// <summary>The tokens added to the output, in order.</summary>
    public IEnumerable<long> EmittedTokens => Drafted.Take(Accepted).Select(d => d.Token).Append(Next).Take(Emitted);
}

/// <summary>A whole speculative generation: prompt, output, rounds and cost.</summary>
public sealed record SpeculativeTrace(IReadOnlyList<long> Prompt, IReadOnlyList<long> Output, IReadOnlyList<SpeculativeStep> Steps,
    CostLedger Cost, string Drafter, string Verifier, int Gamma, TimeSpan Wall, TimeSpan Prefill)
{
    /// <summary>The tokenizer that names the tokens in views (none: ids are shown).</summary>
    public Text.ITokenizer? Tokenizer { get; init; }
}
