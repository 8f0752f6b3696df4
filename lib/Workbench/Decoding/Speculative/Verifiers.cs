using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>Exact greedy match: keep drafted tokens while each equals the target's argmax; then append the target's
/// argmax. Output is identical to greedy decoding of the target.</summary>
public sealed class GreedyVerifier : IVerifier
{
    /// <inheritdoc/>
    public string Name => "greedy match";

    /// <inheritdoc/>
    public bool Lossless => true;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input)
    {
        var targetChoice = input.P.argmax(-1).data<long>().ToArray(); // [γ+1]
        int k = 0;
        while (k < input.Draft.Length && input.Draft[k] == targetChoice[k]) k++;
        bool all = k == input.Draft.Length;
        return new Verification(k, targetChoice[k], VerifierMath.Verdicts(input.Draft.Length, Enumerable.Repeat(Verdict.Accepted, k).ToList(), !all),
            all ? Verdict.Bonus : Verdict.Resampled);
    }
}

/// <summary>Speculative sampling (Leviathan et al. 2023; Chen et al. 2023): accept draft token x with probability
/// min(1, p(x)/q(x)); on rejection resample from norm(max(0, p − q)); if all are accepted, sample a bonus token from
/// the last p. The output distribution is exactly the target's.</summary>
public sealed class SpeculativeSamplingVerifier : IVerifier
{
    /// <inheritdoc/>
    public string Name => "speculative sampling";

    /// <inheritdoc/>
    public bool Lossless => true;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input)
    {
        using var scope = NewDisposeScope();
        int gamma = input.Draft.Length;
        for (int i = 0; i < gamma; i++)
        {
            long x = input.Draft[i];
            double p = input.P[i, x].item<float>(), q = input.Q[i, x].item<float>();
            // q(x) > 0 because x was drawn from q; accept when u < p/q.
            if (VerifierMath.Uniform(input.Random) < Math.Min(1.0, p / q)) continue;
            var residual = (input.P[i] - input.Q[i]).clamp_min(0);
            double mass = residual.sum().item<float>();
            long next = mass > 0 ? VerifierMath.Sample(residual / mass, input.Random) : VerifierMath.Sample(input.P[i], input.Random);
            return new Verification(i, next, VerifierMath.Verdicts(gamma, Enumerable.Repeat(Verdict.Accepted, i).ToList(), true), Verdict.Resampled);
        }
        return new Verification(gamma, VerifierMath.Sample(input.P[gamma], input.Random),
            VerifierMath.Verdicts(gamma, Enumerable.Repeat(Verdict.Accepted, gamma).ToList(), false), Verdict.Bonus);
    }
}

/// <summary>Typical acceptance (Medusa, Cai et al. 2024): accept x when p(x) > min(ε, δ·exp(−H(p))), where H is the
/// entropy of the target's distribution; after a rejection append the target's argmax. Not lossless: it trades exact
/// sampling for longer accepted runs, more so when the target is unsure.</summary>
/// <param name="Epsilon">Hard probability threshold ε (Medusa's default 0.09).</param>
/// <param name="Delta">Entropy-scaled threshold δ (Medusa uses sqrt(ε), 0.3).</param>
public sealed record TypicalAcceptanceVerifier(double Epsilon = 0.09, double Delta = 0.3) : IVerifier
{
    /// <inheritdoc/>
    public string Name => $"typical acceptance (ε={Epsilon}, δ={Delta})";

    /// <inheritdoc/>
    public bool Lossless => false;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input)
    {
        using var scope = NewDisposeScope();
        int gamma = input.Draft.Length;
        var entropy = -(input.P * input.P.clamp_min(1e-12).log()).sum(-1); // [γ+1]
        int k = 0;
        for (; k < gamma; k++)
        {
            double p = input.P[k, input.Draft[k]].item<float>();
            double threshold = Math.Min(Epsilon, Delta * Math.Exp(-entropy[k].item<float>()));
            if (p <= threshold) break;
        }
        bool all = k == gamma;
        long next = input.P[k].argmax().item<long>();
        return new Verification(k, next, VerifierMath.Verdicts(gamma, Enumerable.Repeat(Verdict.Accepted, k).ToList(), !all),
            all ? Verdict.Bonus : Verdict.Resampled);
    }
}
