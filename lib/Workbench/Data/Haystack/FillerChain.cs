using Workbench.Data.Language;

namespace Workbench.Data.Haystack;

/// <summary>A third-order Markov chain over the filler words: the next word follows one of the last three words
/// (lag 1, 2 or 3), each lag with its own few likely successors per word (fixed by the chain's seed). Predicting it
/// well needs the previous two tokens, so a language model trained on it forms previous-token and two-back attention
/// heads early; those are the first half of the circuit that retrieves a needle's value.</summary>
public sealed class FillerChain
{
    /// <summary>Likely successors of each word at each lag.</summary>
    public const int Successors = 4;

    /// <summary>How far back the chain looks.</summary>
    public const int Order = 3;

    /// <summary>How often the next word follows lag 1, 2 and 3 (after the 10% of uniform jumps).</summary>
    static readonly double[] LagWeights = { 0.4, 0.3, 0.3 };

    static readonly double[] SuccessorWeights = { 0.4, 0.3, 0.2, 0.1 };

    readonly int[][][] _next;

    /// <summary>The chain of <paramref name="seed"/> (the shipped model was trained on seed 0's chain).</summary>
    public FillerChain(long seed = 0)
    {
        var rng = LanguageRandom.For(seed, 0x66696C6C65720001UL, 0);
        var words = Enumerable.Range(0, HaystackVocabulary.FillerWords).ToArray();
        _next = Enumerable.Range(0, Order).Select(_ => words.Select(_ => rng.Sample(words, Successors).ToArray()).ToArray()).ToArray();
    }

    /// <summary>The successors of filler word <paramref name="word"/> (0-based within the filler set) at lag
    /// <paramref name="lag"/> (1 = the word just before), most likely first.</summary>
    public IReadOnlyList<int> SuccessorsOf(int lag, int word) => _next[lag - 1][word];

    /// <summary><paramref name="count"/> filler token ids, starting from random words.</summary>
    public long[] Walk(int count, LanguageRandom rng)
    {
        var words = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (i < Order || rng.NextDouble() < 0.1) { words[i] = rng.Next(HaystackVocabulary.FillerWords); continue; }
            int lag = 1 + rng.Pick(LagWeights);
            words[i] = _next[lag - 1][words[i - lag]][rng.Pick(SuccessorWeights)];
        }
        return words.Select(w => (long)(HaystackVocabulary.FirstFillerId + w)).ToArray();
    }
}
