namespace Workbench.Decoding.Speculative;

/// <summary>What happened to a token in a draft-verify round.</summary>
public enum Verdict
{
    /// <summary>A drafted token the standard rule accepted (greedy match, or u &lt; p/q).</summary>
    Accepted,
    /// <summary>A drafted token the standard rule rejected but the judge accepted (Judge Decoding).</summary>
    JudgeAccepted,
    /// <summary>The first drafted token that was rejected; the round ends there.</summary>
    Rejected,
    /// <summary>A drafted token after the rejection: never examined.</summary>
    Discarded,
    /// <summary>The target's own token appended after a rejection (the correction, resampled from the residual).</summary>
    Resampled,
    /// <summary>The target's extra token appended when every drafted token was accepted.</summary>
    Bonus,
}
