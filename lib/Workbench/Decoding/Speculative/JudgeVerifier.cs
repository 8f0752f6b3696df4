using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>Scores drafted tokens from the target's last-layer states at their positions (Judge Decoding's head).</summary>
public interface IJudge
{
    /// <summary>Name for legends.</summary>
    string Name { get; }

    /// <summary>Scores in [0, 1] for states [γ, d] (row i has read draft token i): higher means "this token is fine".</summary>
    double[] Score(Tensor hiddenAtDraftTokens);
}

/// <summary>Judge Decoding's rule: a drafted token is kept when the standard rule accepts it OR the judge scores it
/// above τ; the longest kept prefix stays, then the target appends its own token. Not lossless by design.</summary>
/// <param name="Standard">The standard rule: greedy match or speculative sampling.</param>
/// <param name="Judge">The scorer over target states.</param>
/// <param name="Tau">Judge threshold τ.</param>
public sealed record JudgeVerifier(IVerifier Standard, IJudge Judge, double Tau) : IVerifier
{
    /// <inheritdoc/>
    public string Name => $"{Standard.Name} OR {Judge.Name} > {Tau:0.##}";

    /// <inheritdoc/>
    public bool NeedsHidden => true;

    /// <inheritdoc/>
    public bool Lossless => false;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input)
    {
        using var scope = NewDisposeScope();
        int gamma = input.Draft.Length;
        var hidden = input.TargetHidden ?? throw new InvalidOperationException("the judge needs the target's hidden states");
        var scores = Judge.Score(hidden.narrow(0, 1, gamma)); // state after reading each draft token
        bool sampling = Standard is SpeculativeSamplingVerifier;
        var kept = new List<Verdict>();
        for (int i = 0; i < gamma; i++)
        {
            long x = input.Draft[i];
            bool standardAccepts = sampling
                ? VerifierMath.Uniform(input.Random) < Math.Min(1.0, input.P[i, x].item<float>() / input.Q[i, x].item<float>())
                : x == input.P[i].argmax().item<long>();
            if (standardAccepts) { kept.Add(Verdict.Accepted); continue; }
            if (scores[i] > Tau) { kept.Add(Verdict.JudgeAccepted); continue; }
            long next = sampling ? ResampleResidual(input, i) : input.P[i].argmax().item<long>();
            return new Verification(i, next, VerifierMath.Verdicts(gamma, kept, true), Verdict.Resampled, scores);
        }
        long bonus = sampling ? VerifierMath.Sample(input.P[gamma], input.Random) : input.P[gamma].argmax().item<long>();
        return new Verification(gamma, bonus, VerifierMath.Verdicts(gamma, kept, false), Verdict.Bonus, scores);
    }

    static long ResampleResidual(VerifyInput input, int i)
    {
        var residual = (input.P[i] - input.Q[i]).clamp_min(0);
        double mass = residual.sum().item<float>();
        return mass > 0 ? VerifierMath.Sample(residual / mass, input.Random) : VerifierMath.Sample(input.P[i], input.Random);
    }
}
