namespace Workbench.Data.Language;

/// <summary>A style: one sampling preference over the grammar's surface forms. Validity never depends on it.</summary>
/// <remarks>At every choice point with options 0, 1, 2, … style A prefers option 0, B option 1 and C option 2
/// (the last option when there are fewer). In the papers' roles: the target model is trained on A, the draft on B,
/// and "human" reference answers are sampled in C.</remarks>
public enum Style
{
    /// <summary>Prefers the first form at every choice point (the target's style).</summary>
    A,
    /// <summary>Prefers the second form (the draft's style).</summary>
    B,
    /// <summary>Prefers the third form (the "human" style).</summary>
    C,
}

/// <summary>How strongly a style prefers its form at a choice point.</summary>
public static class StylePreference
{
    /// <summary>The option a style prefers among <paramref name="options"/>: A→0, B→1, C→2, clamped to the last.</summary>
    public static int PreferredOption(Style style, int options) => Math.Min((int)style, options - 1);

    /// <summary>Sampling weights: the preferred option gets <paramref name="strength"/>, the others share the rest
    /// equally, so every option keeps a non-zero probability in every style.</summary>
    public static double[] Weights(Style style, int options, double strength)
    {
        if (options == 1) return [1.0];
        var w = Enumerable.Repeat((1 - strength) / (options - 1), options).ToArray();
        w[PreferredOption(style, options)] = strength;
        return w;
    }
}
