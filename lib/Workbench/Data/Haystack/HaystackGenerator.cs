using Workbench.Data.Language;

namespace Workbench.Data.Haystack;

/// <summary>What prompt to make.</summary>
/// <param name="Length">Prompt tokens n (bos, haystack, question).</param>
/// <param name="Depth">Needle position in [0, 1] of the haystack.</param>
/// <param name="Decoys">Decoy needles with other keys (so finding "a needle" is not enough: the key must match).</param>
/// <param name="ValueLength">1 or 2 value tokens; null draws one of them.</param>
public sealed record HaystackOptions(int Length, double Depth, int Decoys = 3, int? ValueLength = null);

/// <summary>A training sequence: a haystack with several needles, then several answered questions about them.</summary>
/// <param name="Ids">Token ids (exactly the asked length).</param>
/// <param name="AnswerMask">True at answer tokens (values and end-of-answer after each question): the loss targets.</param>
public sealed record HaystackSequence(long[] Ids, bool[] AnswerMask);

/// <summary>Deterministic haystacks: prompt i of a seed is the same on every machine.</summary>
public static class HaystackGenerator
{
    const ulong PromptSalt = 0x6861797374636B01UL, TrainSalt = 0x6861797374636B02UL;
    static readonly FillerChain Chain = new();

    /// <summary>Prompt <paramref name="index"/> of <paramref name="seed"/> with these options.</summary>
    public static Haystack Make(HaystackOptions o, long seed, long index)
    {
        if (o.Depth < 0 || o.Depth > 1) throw new ArgumentException($"depth {o.Depth} is outside [0, 1]");
        var rng = LanguageRandom.For(seed, PromptSalt, index);
        var keys = rng.Sample(Enumerable.Range(0, HaystackVocabulary.Keys).ToArray(), o.Decoys + 1);
        var needles = keys.Select(k => Needle(k, o.ValueLength ?? rng.Next(1, 2), rng)).ToList();
        int body = o.Length - 1 - Haystack.QueryLength;
        int needleLength = needles[0].Length;
        int start = (int)Math.Round(o.Depth * (body - needleLength));
        var (ids, starts) = Body(body, needles, new int?[] { start }.Concat(needles.Skip(1).Select(_ => (int?)null)).ToArray(), rng);
        var prompt = new long[o.Length];
        prompt[0] = 1; // <bos>
        Array.Copy(ids, 0, prompt, 1, body);
        long key = needles[0][1];
        prompt[^3] = HaystackVocabulary.QueryMarkerId;
        prompt[^2] = key;
        prompt[^1] = HaystackVocabulary.Tokenizer.AnswerId;
        var answer = needles[0][3..].Append(HaystackVocabulary.Tokenizer.EndOfAnswerId).ToArray();
        return new Haystack(prompt, answer, 1 + starts[0], needleLength, o.Depth, starts.Skip(1).Select(s => 1 + s).ToArray());
    }

    /// <summary>Training sequence <paramref name="index"/>: <paramref name="length"/> tokens, a haystack with
    /// <paramref name="needles"/> needles at random places, then <paramref name="questions"/> answered questions about
    /// distinct needles in random order (several answers per sequence: more retrieval signal per token of haystack).</summary>
    public static HaystackSequence Training(int length, int needles, int questions, long seed, long index)
    {
        if (questions < 1 || questions > needles) throw new ArgumentException($"{questions} questions need 1..{needles} needles");
        var rng = LanguageRandom.For(seed, TrainSalt, index);
        var keys = rng.Sample(Enumerable.Range(0, HaystackVocabulary.Keys).ToArray(), needles);
        var pairs = keys.Select(k => Needle(k, rng.Next(1, 2), rng)).ToList();
        var asked = rng.Sample(pairs, questions);
        var tail = new List<long>();
        var mask = new List<bool>();
        foreach (var n in asked)
        {
            tail.AddRange(new[] { HaystackVocabulary.QueryMarkerId, n[1], HaystackVocabulary.Tokenizer.AnswerId });
            mask.AddRange(new[] { false, false, false });
            foreach (var v in n[3..]) { tail.Add(v); mask.Add(true); }
            tail.Add(HaystackVocabulary.Tokenizer.EndOfAnswerId);
            mask.Add(true);
        }
        int body = length - 1 - tail.Count;
        var (ids, _) = Body(body, pairs, new int?[pairs.Count], rng);
        var all = new long[] { 1 }.Concat(ids).Concat(tail).ToArray();
        var answerMask = Enumerable.Repeat(false, 1 + body).Concat(mask).ToArray();
        return new HaystackSequence(all, answerMask);
    }

    static long[] Needle(int key, int valueLength, LanguageRandom rng)
    {
        var needle = new List<long> { HaystackVocabulary.KeyMarkerId, HaystackVocabulary.FirstKeyId + key, HaystackVocabulary.ValueMarkerId };
        for (int i = 0; i < valueLength; i++) needle.Add(HaystackVocabulary.FirstValueId + rng.Next(HaystackVocabulary.Values));
        return needle.ToArray();
    }

    /// <summary>A haystack body of <paramref name="length"/> tokens: needles at the given starts (null: anywhere free,
    /// at least one filler word from any other needle), filler everywhere else.</summary>
    static (long[] Ids, int[] Starts) Body(int length, IReadOnlyList<long[]> needles, int?[] starts, LanguageRandom rng)
    {
        int room = length - needles.Sum(n => n.Length + 1);
        if (room < 0) throw new ArgumentException($"a haystack of {length} tokens cannot hold {needles.Count} needles");
        var ids = new long[length];
        var taken = new bool[length];
        var placed = new int[needles.Count];
        bool Free(int s, int len) => s >= 0 && s + len <= length && Enumerable.Range(s - 1, len + 2).All(i => i < 0 || i >= length || !taken[i]);
        for (int i = 0; i < needles.Count; i++)
        {
            int len = needles[i].Length, s = starts[i] ?? -1;
            for (int attempt = 0; s < 0 && attempt < 10_000; attempt++)
            {
                int candidate = rng.Next(length - len + 1);
                if (Free(candidate, len)) s = candidate;
            }
            if (s < 0 || s + len > length) throw new ArgumentException($"no room for needle {i} in a haystack of {length} tokens");
            for (int j = 0; j < len; j++) { ids[s + j] = needles[i][j]; taken[s + j] = true; }
            placed[i] = s;
        }
        var filler = Chain.Walk(taken.Count(t => !t), rng);
        for (int i = 0, f = 0; i < length; i++) if (!taken[i]) ids[i] = filler[f++];
        return (ids, placed);
    }
}
