namespace Workbench.Data.Language;

/// <summary>A node of the grammar: fixed words, a sequence, or a choice point between equally valid options.
/// Validity is the set of all paths; a style only weights the options of each choice.</summary>
internal abstract record Phrase
{
    /// <summary>Appends one sampled path to <paramref name="output"/>.</summary>
    public abstract void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output);

    /// <summary>Calls <paramref name="visit"/> with every path (its words, and its probability in styles A, B, C;
    /// both buffers are reused: copy what you keep).</summary>
    public void Expand(double strength, Action<List<AnswerToken>, double[]> visit) =>
        Walk(new Rest(this, null), [], [1, 1, 1], strength, visit);

    // Depth-first over "what is left to say": each complete path is built once in one buffer, so enumerating the
    // few hundred answers of an episode costs microseconds.
    static void Walk(Rest? rest, List<AnswerToken> words, double[] p, double strength, Action<List<AnswerToken>, double[]> visit)
    {
        if (rest == null) { visit(words, p); return; }
        switch (rest.Head)
        {
            case Words w:
                words.AddRange(w.Tokens);
                Walk(rest.Tail, words, p, strength, visit);
                words.RemoveRange(words.Count - w.Tokens.Length, w.Tokens.Length);
                break;
            case Sequence s:
                var r = rest.Tail;
                for (var i = s.Parts.Length - 1; i >= 0; i--) r = new Rest(s.Parts[i], r);
                Walk(r, words, p, strength, visit);
                break;
            case Choice c:
                var weights = c.Weights(strength);
                for (var i = 0; i < c.Options.Length; i++)
                {
                    var q = new double[3];
                    for (var style = 0; style < 3; style++) q[style] = p[style] * weights[style][i];
                    Walk(new Rest(c.Options[i], rest.Tail), words, q, strength, visit);
                }
                break;
        }
    }

    sealed record Rest(Phrase Head, Rest? Tail);
}

/// <summary>Fixed words.</summary>
internal sealed record Words(AnswerToken[] Tokens) : Phrase
{
    public override void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output) => output.AddRange(Tokens);
}

/// <summary>Parts one after another.</summary>
internal sealed record Sequence(Phrase[] Parts) : Phrase
{
    public override void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output)
    {
        foreach (var p in Parts) p.Sample(style, strength, rng, output);
    }
}

/// <summary>A choice point: one option is taken; style A prefers option 0, B option 1, C option 2.</summary>
/// <param name="Point">What is being chosen (opener, verb, order, form…), for reading and analyses.</param>
/// <param name="Options">The equally valid options, in style-preference order.</param>
internal sealed record Choice(string Point, Phrase[] Options) : Phrase
{
    public override void Sample(Style style, double strength, LanguageRandom rng, List<AnswerToken> output) =>
        Options[rng.Pick(Weights(strength)[(int)style])].Sample(style, strength, rng, output);

    /// <summary>Option weights per style (index = (int)Style).</summary>
    public double[][] Weights(double strength) =>
        [StylePreference.Weights(Style.A, Options.Length, strength), StylePreference.Weights(Style.B, Options.Length, strength),
         StylePreference.Weights(Style.C, Options.Length, strength)];
}
