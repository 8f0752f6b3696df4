namespace Workbench.Data.Language;

/// <summary>A node of the grammar: fixed words, a sequence, or a choice point between equally valid options.
/// Validity is the set of all paths; a style only weights the options of each choice.</summary>
internal abstract record Phrase
{
    /// <summary>Appends one sampled path to <paramref name="output"/>.</summary>
    public abstract void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output);

    /// <summary>Every path with its probability under each style (index = (int)Style).</summary>
    public abstract IEnumerable<Path> Expand(double strength);

    /// <summary>One complete path: its words and its probability in styles A, B, C.</summary>
    public sealed record Path(AnswerToken[] Tokens, double[] Probability);
}

/// <summary>Fixed words.</summary>
internal sealed record Words(AnswerToken[] Tokens) : Phrase
{
    public override void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output) => output.AddRange(Tokens);

    public override IEnumerable<Path> Expand(double strength) => [new Path(Tokens, [1, 1, 1])];
}

/// <summary>Parts one after another.</summary>
internal sealed record Sequence(Phrase[] Parts) : Phrase
{
    public override void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output)
    {
        foreach (var p in Parts) p.Sample(style, strength, rng, output);
    }

    // The cartesian product of the parts' paths; probabilities multiply.
    public override IEnumerable<Path> Expand(double strength)
    {
        IEnumerable<Path> acc = [new Path([], [1, 1, 1])];
        foreach (var part in Parts)
        {
            var options = part.Expand(strength).ToList();
            acc = acc.SelectMany(a => options.Select(o => new Path([.. a.Tokens, .. o.Tokens],
                [a.Probability[0] * o.Probability[0], a.Probability[1] * o.Probability[1], a.Probability[2] * o.Probability[2]])));
        }
        return acc;
    }
}

/// <summary>A choice point: one option is taken; style A prefers option 0, B option 1, C option 2.</summary>
/// <param name="Point">What is being chosen (opener, verb, order, form…), for reading and analyses.</param>
/// <param name="Options">The equally valid options, in style-preference order.</param>
internal sealed record Choice(string Point, Phrase[] Options) : Phrase
{
    public override void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output) =>
        Options[rng.Pick(StylePreference.Weights(style, Options.Length, strength))].Sample(style, strength, rng, output);

    public override IEnumerable<Path> Expand(double strength)
    {
        var w = Enum.GetValues<Style>().Select(s => StylePreference.Weights(s, Options.Length, strength)).ToArray();
        return Options.SelectMany((o, i) => o.Expand(strength).Select(p =>
            new Path(p.Tokens, [p.Probability[0] * w[0][i], p.Probability[1] * w[1][i], p.Probability[2] * w[2][i]])));
    }
}
