using Workbench.Text;

namespace Workbench.Data.Haystack;

/// <summary>The haystack language's words: filler words (the Markov chain's states), the needle's markers, key and
/// value tokens from their own sets, and the query marker. The answer marker and end-of-answer are the word
/// tokenizer's specials <c>&lt;ans&gt;</c> and <c>&lt;eoa&gt;</c>.</summary>
public static class HaystackVocabulary
{
    /// <summary>Filler words the Markov chain walks over.</summary>
    public const int FillerWords = 64;

    /// <summary>Distinct keys a needle can have.</summary>
    public const int Keys = 24;

    /// <summary>Distinct value tokens (a value is one or two of them).</summary>
    public const int Values = 24;

    /// <summary>Opens a needle: "KEY k VAL v".</summary>
    public const string KeyMarker = "KEY";

    /// <summary>Separates a needle's key from its value.</summary>
    public const string ValueMarker = "VAL";

    /// <summary>Opens the question at the end: "QUERY k &lt;ans&gt;".</summary>
    public const string QueryMarker = "QUERY";

    /// <summary>Filler words "w00".."w63".</summary>
    public static readonly IReadOnlyList<string> Filler = Enumerable.Range(0, FillerWords).Select(i => $"w{i:00}").ToArray();

    /// <summary>Key words "k00".."k23".</summary>
    public static readonly IReadOnlyList<string> KeyWords = Enumerable.Range(0, Keys).Select(i => $"k{i:00}").ToArray();

    /// <summary>Value words "v00".."v23".</summary>
    public static readonly IReadOnlyList<string> ValueWords = Enumerable.Range(0, Values).Select(i => $"v{i:00}").ToArray();

    /// <summary>The tokenizer: the six specials, the markers, then filler, key and value words.</summary>
    public static WordTokenizer Tokenizer { get; } =
        WordTokenizer.Create(new[] { KeyMarker, ValueMarker, QueryMarker }.Concat(Filler).Concat(KeyWords).Concat(ValueWords));

    /// <summary>Id of "KEY".</summary>
    public static int KeyMarkerId { get; } = Tokenizer.Id(KeyMarker);

    /// <summary>Id of "VAL".</summary>
    public static int ValueMarkerId { get; } = Tokenizer.Id(ValueMarker);

    /// <summary>Id of "QUERY".</summary>
    public static int QueryMarkerId { get; } = Tokenizer.Id(QueryMarker);

    /// <summary>Id of the first filler word (filler ids are contiguous).</summary>
    public static int FirstFillerId { get; } = Tokenizer.Id(Filler[0]);

    /// <summary>Id of the first key (key ids are contiguous).</summary>
    public static int FirstKeyId { get; } = Tokenizer.Id(KeyWords[0]);

    /// <summary>Id of the first value token (value ids are contiguous).</summary>
    public static int FirstValueId { get; } = Tokenizer.Id(ValueWords[0]);

    /// <summary>True for a value token.</summary>
    public static bool IsValue(long id) => id >= FirstValueId && id < FirstValueId + Values;

    /// <summary>True for a key token.</summary>
    public static bool IsKey(long id) => id >= FirstKeyId && id < FirstKeyId + Keys;
}
