using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>Exact greedy match: keep drafted tokens while each equals the target's argmax; then append the target's
/// argmax. Output is identical to greedy decoding of the target.</summary>
public sealed class GreedyVerifier : ITokenVerifier
{
    /// <inheritdoc/>
    public string Name => "greedy match";

    /// <inheritdoc/>
    public bool Lossless => true;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input) => VerifierMath.LongestAcceptedPrefix(this, input);

    /// <inheritdoc/>
    public bool Accepts(VerifyInput input, int i) => input.Draft[i] == input.P[i].argmax().item<long>();

    /// <inheritdoc/>
    public long Correction(VerifyInput input, int i) => input.P[i].argmax().item<long>();

    /// <inheritdoc/>
    public long Bonus(VerifyInput input) => input.P[input.Draft.Length].argmax().item<long>();
}

/// <summary>Speculative sampling (Leviathan et al. 2023; Chen et al. 2023): accept draft token x with probability
/// min(1, p(x)/q(x)); on rejection resample from norm(max(0, p − q)); if all are accepted, sample a bonus token from
/// the last p. The output distribution is exactly the target's.</summary>
public sealed class SpeculativeSamplingVerifier : ITokenVerifier
{
    /// <inheritdoc/>
    public string Name => "speculative sampling";

    /// <inheritdoc/>
    public bool Lossless => true;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input) => VerifierMath.LongestAcceptedPrefix(this, input);

    /// <inheritdoc/>
    public bool Accepts(VerifyInput input, int i)
    {
        long x = input.Draft[i];
        double p = input.P[i, x].item<float>(), q = input.Q[i, x].item<float>();
        // q(x) > 0 because x was drawn from q; accept when u < p/q.
        return VerifierMath.Uniform(input.Random) < Math.Min(1.0, p / q);
    }

    /// <inheritdoc/>
    public long Correction(VerifyInput input, int i)
    {
        using var scope = NewDisposeScope();
        var residual = (input.P[i] - input.Q[i]).clamp_min(0);
        double mass = residual.sum().item<float>();
        return mass > 0 ? VerifierMath.Sample(residual / mass, input.Random) : VerifierMath.Sample(input.P[i], input.Random);
    }

    /// <inheritdoc/>
    public long Bonus(VerifyInput input) => VerifierMath.Sample(input.P[input.Draft.Length], input.Random);
}

/// <summary>Typical acceptance (Medusa, Cai et al. 2024): accept x when p(x) > min(ε, δ·exp(−H(p))), where H is the
/// entropy of the target's distribution; after a rejection append the target's argmax. Not lossless: it trades exact
/// sampling for longer accepted runs, more so when the target is unsure.</summary>
/// <param name="Epsilon">Hard probability threshold ε (Medusa's default 0.09).</param>
/// <param name="Delta">Entropy-scaled threshold δ (Medusa uses sqrt(ε), 0.3).</param>
public sealed record TypicalAcceptanceVerifier(double Epsilon = 0.09, double Delta = 0.3) : ITokenVerifier
{
    /// <inheritdoc/>
    public string Name => $"typical acceptance (ε={Epsilon}, δ={Delta})";

    /// <inheritdoc/>
    public bool Lossless => false;

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input) => VerifierMath.LongestAcceptedPrefix(this, input);

    /// <inheritdoc/>
    public bool Accepts(VerifyInput input, int i)
    {
        using var scope = NewDisposeScope();
        var row = input.P[i];
        double entropy = -(row * row.clamp_min(1e-12).log()).sum().item<float>();
        return row[input.Draft[i]].item<float>() > Math.Min(Epsilon, Delta * Math.Exp(-entropy));
    }

    /// <inheritdoc/>
    public long Correction(VerifyInput input, int i) => input.P[i].argmax().item<long>();

    /// <inheritdoc/>
    public long Bonus(VerifyInput input) => input.P[input.Draft.Length].argmax().item<long>();
}
