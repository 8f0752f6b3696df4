namespace Workbench.EarlyExit;

/// <summary>What an exit policy sees at one exit (layer, head or output) of one sample or token. Signals a model does
/// not produce stay NaN; a policy that needs a missing signal throws.</summary>
/// <param name="Exit">Exit index, 0 = earliest.</param>
/// <param name="Prediction">The exit's predicted class or token (-1 when not a classifier).</param>
/// <param name="Confidence">Top-1 probability at this exit.</param>
/// <param name="Entropy">Entropy (nats) of the exit's predicted distribution.</param>
/// <param name="Similarity">Similarity of this exit's state to the previous one (e.g. cosine), as in MuE.</param>
/// <param name="Uncertainty">A learned or estimated uncertainty of this exit's output, as in DeeDiff.</param>
/// <param name="Quality">A no-reference quality score of this exit's output, as in RBQE.</param>
public sealed record ExitSignal(int Exit, int Prediction = -1, double Confidence = double.NaN, double Entropy = double.NaN,
    double Similarity = double.NaN, double Uncertainty = double.NaN, double Quality = double.NaN);

/// <summary>Decides, exit by exit, whether a sample may stop here. Shared by every early-exit paper.</summary>
public interface IExitPolicy
{
    /// <summary>Short name for legends, e.g. "confidence ≥ 0.9".</summary>
    string Name { get; }

    /// <summary>True to stop at the last signal in <paramref name="soFar"/> (signals of exits 0..k, in order).</summary>
    bool ShouldExit(IReadOnlyList<ExitSignal> soFar);
}

/// <summary>Exit when the top-1 probability reaches a threshold (the classic confidence exit).</summary>
public sealed record ConfidencePolicy(double Threshold) : IExitPolicy
{
    /// <inheritdoc/>
    public string Name => $"confidence ≥ {Threshold:0.###}";

    /// <inheritdoc/>
    public bool ShouldExit(IReadOnlyList<ExitSignal> soFar) => Need(soFar[^1].Confidence, "confidence") >= Threshold;

    internal static double Need(double v, string what) =>
        double.IsNaN(v) ? throw new InvalidOperationException($"this exit produces no {what} signal") : v;
}

/// <summary>Exit when the predicted distribution's entropy falls to a threshold.</summary>
public sealed record EntropyPolicy(double Threshold) : IExitPolicy
{
    /// <inheritdoc/>
    public string Name => $"entropy ≤ {Threshold:0.###}";

    /// <inheritdoc/>
    public bool ShouldExit(IReadOnlyList<ExitSignal> soFar) => ConfidencePolicy.Need(soFar[^1].Entropy, "entropy") <= Threshold;
}

/// <summary>Exit when the last <see cref="Patience"/> exits agree on the prediction (PABEE-style patience).</summary>
public sealed record PatiencePolicy(int Patience) : IExitPolicy
{
    /// <inheritdoc/>
    public string Name => $"patience {Patience}";

    /// <inheritdoc/>
    public bool ShouldExit(IReadOnlyList<ExitSignal> soFar)
    {
        if (soFar.Count < Patience) return false;
        int p = soFar[^1].Prediction;
        if (p < 0) throw new InvalidOperationException("patience needs a prediction at each exit");
        for (int i = soFar.Count - Patience; i < soFar.Count; i++)
            if (soFar[i].Prediction != p) return false;
        return true;
    }
}

/// <summary>Exit when successive states barely change: similarity to the previous exit at least a threshold (MuE).</summary>
public sealed record SimilarityPolicy(double Threshold) : IExitPolicy
{
    /// <inheritdoc/>
    public string Name => $"similarity ≥ {Threshold:0.###}";

    /// <inheritdoc/>
    public bool ShouldExit(IReadOnlyList<ExitSignal> soFar) =>
        soFar.Count > 1 && ConfidencePolicy.Need(soFar[^1].Similarity, "similarity") >= Threshold;
}

/// <summary>Exit when the estimated uncertainty falls to a threshold (DeeDiff).</summary>
public sealed record UncertaintyPolicy(double Threshold) : IExitPolicy
{
    /// <inheritdoc/>
    public string Name => $"uncertainty ≤ {Threshold:0.###}";

    /// <inheritdoc/>
    public bool ShouldExit(IReadOnlyList<ExitSignal> soFar) => ConfidencePolicy.Need(soFar[^1].Uncertainty, "uncertainty") <= Threshold;
}

/// <summary>Exit at the first output whose quality score reaches a threshold (RBQE).</summary>
public sealed record QualityPolicy(double Threshold) : IExitPolicy
{
    /// <inheritdoc/>
    public string Name => $"quality ≥ {Threshold:0.###}";

    /// <inheritdoc/>
    public bool ShouldExit(IReadOnlyList<ExitSignal> soFar) => ConfidencePolicy.Need(soFar[^1].Quality, "quality") >= Threshold;
}

/// <summary>Applies a policy to a sample's exits.</summary>
public static class ExitDecision
{
    /// <summary>The first exit at which the policy stops, else the last exit (the full model always answers).</summary>
    public static int FirstExit(IExitPolicy policy, IReadOnlyList<ExitSignal> exits)
    {
        if (exits.Count == 0) throw new ArgumentException("a sample needs at least one exit", nameof(exits));
        var soFar = new List<ExitSignal>(exits.Count);
        for (int k = 0; k < exits.Count; k++)
        {
            soFar.Add(exits[k]);
            if (k < exits.Count - 1 && policy.ShouldExit(soFar)) return k;
        }
        return exits.Count - 1;
    }
}

/// <summary>Always exit at one fixed exit (static truncation: the baseline every dynamic policy must beat at equal cost).</summary>
public sealed record FixedDepthPolicy(int Exit) : IExitPolicy
{
    /// <inheritdoc/>
    public string Name => $"exit {Exit + 1}";

    /// <inheritdoc/>
    public bool ShouldExit(IReadOnlyList<ExitSignal> soFar) => soFar[^1].Exit >= Exit;
}
