using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>Scores drafted tokens from the target's last-layer states at their positions (Judge Decoding's head).</summary>
public interface IJudge
{
    /// <summary>Name for legends.</summary>
    string Name { get; }

    /// <summary>True when the scores read the target's states (a control that ignores them says false, and the
    /// session then skips computing them).</summary>
    bool ReadsStates => true;

    /// <summary>Scores in [0, 1] for <paramref name="count"/> drafted tokens, from states [count, d] (row i has read
    /// draft token i; null when <see cref="ReadsStates"/> is false): higher means "this token is fine".</summary>
    double[] Score(Tensor? statesAtDraftTokens, int count);
}

/// <summary>Judge Decoding's rule: a drafted token is kept when the standard rule accepts it OR the judge scores it
/// above τ; the longest kept prefix stays, then the target appends its own token. Not lossless by design.</summary>
/// <param name="Standard">The standard rule, token by token: greedy match or speculative sampling.</param>
/// <param name="Judge">The scorer over target states.</param>
/// <param name="Tau">Judge threshold τ.</param>
public sealed record JudgeVerifier(ITokenVerifier Standard, IJudge Judge, double Tau) : IVerifier
{
    /// <inheritdoc/>
    public string Name => $"{Standard.Name} OR {Judge.Name} > {Tau:0.##}";

    /// <inheritdoc/>
    public bool NeedsHidden => Judge.ReadsStates;

    /// <inheritdoc/>
    public bool Lossless => false;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input)
    {
        using var scope = NewDisposeScope();
        int gamma = input.Draft.Length;
        Tensor? states = null;
        if (Judge.ReadsStates)
            states = (input.TargetHidden ?? throw new InvalidOperationException("the judge needs the target's hidden states")).narrow(0, 1, gamma);
        var scores = Judge.Score(states, gamma); // state after reading each draft token
        var kept = new List<Verdict>();
        for (int i = 0; i < gamma; i++)
        {
            if (Standard.Accepts(input, i)) { kept.Add(Verdict.Accepted); continue; }
            if (scores[i] > Tau) { kept.Add(Verdict.JudgeAccepted); continue; }
            return new Verification(i, Standard.Correction(input, i), VerifierMath.Verdicts(gamma, kept, true), Verdict.Resampled, scores);
        }
        return new Verification(gamma, Standard.Bonus(input), VerifierMath.Verdicts(gamma, kept, false), Verdict.Bonus, scores);
    }
}
