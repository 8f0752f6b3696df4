using Workbench.Text;

namespace Workbench.Data.Language;

/// <summary>A packed training sequence: exactly Length token ids made of whole episodes (each starting with &lt;bos&gt;).</summary>
/// <param name="Ids">The token ids.</param>
/// <param name="AnswerMask">True where the token belongs to an answer (after &lt;ans&gt;, through &lt;eoa&gt;). Targets are
/// Ids[1..], so AnswerMask[1..] selects the answer targets (to weight them or to measure answer loss alone).</param>
/// <param name="Episodes">Episodes started in this sequence (the last one may be cut at the end).</param>
public sealed record CorpusSequence(int[] Ids, bool[] AnswerMask, int Episodes);

/// <summary>A batch of packed sequences, row-major, ready for <c>torch.tensor(Ids, [Rows, Length])</c>.</summary>
/// <param name="Ids">Rows × Length token ids (int64, as embedding lookups want).</param>
/// <param name="AnswerMask">Rows × Length answer flags.</param>
/// <param name="Rows">Sequences in the batch.</param>
/// <param name="Length">Tokens per sequence.</param>
public sealed record CorpusBatch(long[] Ids, bool[] AnswerMask, int Rows, int Length);

/// <summary>An endless, deterministic corpus of one style: episode i of (style, seed) is always the same, on any
/// machine. Held-out content (5% of all possible episodes, chosen by a hash of the facts and question) never
/// appears here; <see cref="HeldOutEpisodes"/> draws evaluation episodes from it.</summary>
/// <remarks>The content of episode i (facts, question) depends on the seed only, not on the style: corpora of
/// styles A and B with one seed ask the same questions in different words.</remarks>
public sealed class CorpusSampler
{
    const ulong ContentSalt = 0x636F6E74656E7401UL, SurfaceSalt = 0x737572666163650AUL, HeldOutSalt = 0x68656C646F757402UL;

    /// <summary>One in this many possible episodes is held out for evaluation.</summary>
    public const int HeldOutEvery = 20;

    readonly LanguageOptions _options;
    readonly WordTokenizer _tokenizer;
    long _index;
    Episode? _carried;

    /// <summary>A corpus of <paramref name="style"/> from <paramref name="seed"/>.</summary>
    public CorpusSampler(Style style, long seed, LanguageOptions? options = null)
    {
        Style = style;
        Seed = seed;
        _options = (options ?? LanguageOptions.Default).Validate();
        _tokenizer = Lexicon.Tokenizer;
    }

    /// <summary>The corpus style.</summary>
    public Style Style { get; }

    /// <summary>The corpus seed.</summary>
    public long Seed { get; }

    /// <summary>The tokenizer the ids are in (<see cref="Lexicon.Tokenizer"/>).</summary>
    public WordTokenizer Tokenizer => _tokenizer;

    /// <summary>The next training episode.</summary>
    public Episode NextEpisode()
    {
        while (true)
        {
            var i = _index++;
            var (scene, question) = Grammar.SampleContent(LanguageRandom.For(Seed, ContentSalt, i), _options);
            if (IsHeldOut(scene, question)) continue;
            return Grammar.Render(scene, question, Style, LanguageRandom.For(Seed, SurfaceSalt + (ulong)Style, i), _options);
        }
    }

    /// <summary>The next <paramref name="count"/> training episodes.</summary>
    public IReadOnlyList<Episode> NextEpisodes(int count) => Enumerable.Range(0, count).Select(_ => NextEpisode()).ToArray();

    /// <summary>The next packed sequence of exactly <paramref name="length"/> ids: whole episodes one after another.
    /// The episode that does not fit is cut at the end (its rest is dropped, so every sequence starts with a whole
    /// episode); with <paramref name="padTail"/> the tail is &lt;pad&gt; instead and that episode opens the next sequence.
    /// At most <paramref name="maxEpisodes"/> episodes go in one sequence, the rest is &lt;pad&gt; (1 = one episode per
    /// row, so no episode sees another's facts). Pad targets should be ignored by the loss
    /// (<c>ignore_index: tokenizer.PadId</c>).</summary>
    public CorpusSequence NextSequence(int length, bool padTail = false, int maxEpisodes = int.MaxValue)
    {
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), $"sequence length must be at least 2, got {length}");
        if (maxEpisodes < 1) throw new ArgumentOutOfRangeException(nameof(maxEpisodes), $"maxEpisodes must be at least 1, got {maxEpisodes}");
        var ids = new int[length];
        var mask = new bool[length];
        int pos = 0, episodes = 0;
        while (pos < length)
        {
            if (episodes == maxEpisodes)
            {
                Array.Fill(ids, _tokenizer.PadId, pos, length - pos);
                break;
            }
            var e = _carried ?? NextEpisode();
            _carried = null;
            var prompt = e.PromptIds(_tokenizer);
            var all = e.Ids(_tokenizer);
            if (padTail && pos > 0 && pos + all.Length > length)
            {
                _carried = e;
                Array.Fill(ids, _tokenizer.PadId, pos, length - pos);
                break;
            }
            var n = Math.Min(all.Length, length - pos);
            Array.Copy(all, 0, ids, pos, n);
            for (var k = prompt.Length; k < n; k++) mask[pos + k] = true;
            pos += n;
            episodes++;
        }
        return new CorpusSequence(ids, mask, episodes);
    }

    /// <summary>The next <paramref name="rows"/> packed sequences as one row-major batch (options as in <see cref="NextSequence"/>).</summary>
    public CorpusBatch NextBatch(int rows, int length, bool padTail = false, int maxEpisodes = int.MaxValue)
    {
        var ids = new long[rows * length];
        var mask = new bool[rows * length];
        for (var r = 0; r < rows; r++)
        {
            var s = NextSequence(length, padTail, maxEpisodes);
            for (var k = 0; k < length; k++) ids[r * length + k] = s.Ids[k];
            Array.Copy(s.AnswerMask, 0, mask, r * length, length);
        }
        return new CorpusBatch(ids, mask, rows, length);
    }

    /// <summary><paramref name="count"/> evaluation episodes in a style, drawn only from held-out content, so no
    /// training corpus (any style, any seed) contains them. Deterministic in (style, seed); the same seed gives the
    /// same facts and questions in every style.</summary>
    public static IReadOnlyList<Episode> HeldOutEpisodes(Style style, long seed, int count, LanguageOptions? options = null)
    {
        var o = (options ?? LanguageOptions.Default).Validate();
        var episodes = new List<Episode>(count);
        for (long i = 0; episodes.Count < count; i++)
        {
            var (scene, question) = Grammar.SampleContent(LanguageRandom.For(seed, HeldOutSalt, i), o);
            if (IsHeldOut(scene, question))
                episodes.Add(Grammar.Render(scene, question, style, LanguageRandom.For(seed, SurfaceSalt + (ulong)style, i), o));
        }
        return episodes;
    }

    /// <summary>True for held-out content: decided by a stable hash of the object, the facts as a set (so a
    /// reordered context is held out too) and the question.</summary>
    public static bool IsHeldOut(Scene scene, Question question)
    {
        var key = $"{scene.Object}|{string.Join(' ', scene.Facts.Select(f => $"{f.Name}={f.Count}").Order(StringComparer.Ordinal))}|{question}";
        var h = 0xCBF29CE484222325UL; // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (var ch in key) h = (h ^ ch) * 0x100000001B3UL;
        return h % HeldOutEvery == 0;
    }
}
