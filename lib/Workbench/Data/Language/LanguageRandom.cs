namespace Workbench.Data.Language;

/// <summary>SplitMix64: a tiny, fully specified generator, so a (style, seed) corpus is the same on every runtime
/// and machine (System.Random's seeded sequence is an implementation detail).</summary>
public sealed class LanguageRandom
{
    ulong _state;

    /// <summary>A generator for one stream of a seed.</summary>
    public LanguageRandom(long seed) => _state = (ulong)seed;

    /// <summary>A generator for the stream named by (seed, salt, index): independent streams for episode content,
    /// surface form and evaluation, so changing one does not shift the others.</summary>
    public static LanguageRandom For(long seed, ulong salt, long index) =>
        new((long)Mix(Mix((ulong)seed ^ salt) + (ulong)index));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextBits()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"n must be positive, got {n}");
        return (int)(NextBits() % (ulong)n); // bias < n / 2^64: negligible for the small n used here
    }

    /// <summary>Uniform in [lo, hi] (inclusive).</summary>
    public int Next(int lo, int hi) => lo + Next(hi - lo + 1);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/>.</summary>
    public int Pick(IReadOnlyList<double> weights)
    {
        var u = NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Count; i++)
            if ((u -= weights[i]) < 0) return i;
        return weights.Count - 1;
    }

    /// <summary><paramref name="k"/> distinct items in random order.</summary>
    public List<T> Sample<T>(IReadOnlyList<T> items, int k)
    {
        var pool = items.ToList();
        for (var i = 0; i < k; i++)
        {
            var j = i + Next(pool.Count - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool.GetRange(0, k);
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
