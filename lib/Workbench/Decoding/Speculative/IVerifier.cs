using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>What a verifier sees in one round.</summary>
/// <param name="Draft">The γ drafted tokens.</param>
/// <param name="Q">Draft distributions [γ, V] each token was drawn from (one-hot under greedy drafting).</param>
/// <param name="P">Target distributions [γ+1, V]: row i is the target's next-token distribution before draft token i;
/// the last row is the distribution after all drafted tokens (the bonus position).</param>
/// <param name="TargetHidden">Target last-layer states [γ+1, d] at the verified inputs (row i+1 has read draft token
/// i); only computed when the verifier asks for it (<see cref="IVerifier.NeedsHidden"/>).</param>
/// <param name="Random">The session's random generator (rejection tests and resampling).</param>
public sealed record VerifyInput(long[] Draft, Tensor Q, Tensor P, Tensor? TargetHidden, Generator Random);

/// <summary>A verifier's decision: how many drafted tokens are kept, the token the target appends, and why.</summary>
/// <param name="Accepted">Number of drafted tokens kept (a prefix of the draft).</param>
/// <param name="Next">The token appended after the kept prefix (correction or bonus).</param>
/// <param name="Verdicts">One verdict per drafted token.</param>
/// <param name="NextVerdict">Resampled (after a rejection) or Bonus (all accepted).</param>
/// <param name="JudgeScores">The judge's score per drafted token, when a judge took part.</param>
public sealed record Verification(int Accepted, long Next, Verdict[] Verdicts, Verdict NextVerdict, double[]? JudgeScores = null);

/// <summary>The acceptance rule of speculative decoding: swappable (greedy match, speculative sampling, typical
/// acceptance, judge).</summary>
public interface IVerifier
{
    /// <summary>Name for legends and traces.</summary>
    string Name { get; }

    /// <summary>True when the verifier needs the target's hidden states (a judge does).</summary>
    bool NeedsHidden => false;

    /// <summary>True when the rule keeps the target's output distribution exactly.</summary>
    bool Lossless { get; }

    /// <summary>Decides the round.</summary>
    Verification Verify(VerifyInput input);
}

/// <summary>A verifier that decides draft tokens one at a time, left to right: keep token i if <see cref="Accepts"/>,
/// else stop and append <see cref="Correction"/>; if every token is kept, append <see cref="Bonus"/>. Greedy match,
/// speculative sampling and typical acceptance are such rules; a judge composes with them token by token.</summary>
public interface ITokenVerifier : IVerifier
{
    /// <summary>Whether draft token <paramref name="i"/> is kept, given that every token before it was (may draw from
    /// the round's random generator, so call it once per token, in order).</summary>
    bool Accepts(VerifyInput input, int i);

    /// <summary>The token the target appends after rejecting draft token <paramref name="i"/>.</summary>
    long Correction(VerifyInput input, int i);

    /// <summary>The token the target appends after every draft token was kept.</summary>
    long Bonus(VerifyInput input);
}

/// <summary>Helpers shared by the verifiers.</summary>
public static class VerifierMath
{
    /// <summary>Draws one token from a distribution [V].</summary>
    public static long Sample(Tensor probs, Generator random) => multinomial(probs, 1, generator: random).item<long>();

    /// <summary>A uniform number in [0, 1).</summary>
    public static double Uniform(Generator random) => rand(1, generator: random).item<float>();

    /// <summary>The longest prefix a token rule keeps, then its correction or bonus: <see cref="ITokenVerifier"/>'s
    /// Verify.</summary>
    public static Verification LongestAcceptedPrefix(ITokenVerifier rule, VerifyInput input)
    {
        using var scope = NewDisposeScope();
        int gamma = input.Draft.Length, k = 0;
        while (k < gamma && rule.Accepts(input, k)) k++;
        var kept = Enumerable.Repeat(Verdict.Accepted, k).ToList();
        return k < gamma
            ? new Verification(k, rule.Correction(input, k), Verdicts(gamma, kept, true), Verdict.Resampled)
            : new Verification(k, rule.Bonus(input), Verdicts(gamma, kept, false), Verdict.Bonus);
    }

    /// <summary>Builds the verdicts of a round that kept <paramref name="accepted"/> tokens with the given verdicts.</summary>
    public static Verdict[] Verdicts(int gamma, IReadOnlyList<Verdict> kept, bool rejected)
    {
        var v = new Verdict[gamma];
        for (int i = 0; i < gamma; i++)
            v[i] = i < kept.Count ? kept[i] : i == kept.Count && rejected ? Verdict.Rejected : Verdict.Discarded;
        return v;
    }
}
