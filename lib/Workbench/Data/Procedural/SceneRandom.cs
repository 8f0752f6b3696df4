namespace Workbench.Data.Procedural;

/// <summary>A small deterministic random source (SplitMix64) so a scene depends only on its seed, on every platform
/// and .NET version (System.Random's seeded sequence is an implementation detail).</summary>
public sealed class SceneRandom
{
    ulong _state;

    /// <summary>Starts the sequence for a seed.</summary>
    public SceneRandom(long seed) => _state = (ulong)seed;

    /// <summary>The seed of item <paramref name="index"/> of a collection drawn from <paramref name="seed"/>: items are
    /// independent of each other and of how many were drawn.</summary>
    public static long Derive(long seed, long index) => (long)Mix((ulong)seed ^ Mix((ulong)index + 0x632BE59BD9B4E019UL));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextBits()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max).</summary>
    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [0, count).</summary>
    public int Next(int count) => count <= 0 ? throw new ArgumentOutOfRangeException(nameof(count), "count must be positive") : (int)(NextBits() % (ulong)count);

    /// <summary>Uniform integer in [min, max] (both inclusive).</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    /// <summary>One element of a non-empty list.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>A random permutation of 0..count-1 (Fisher-Yates).</summary>
    public int[] Permutation(int count)
    {
        var p = Enumerable.Range(0, count).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
