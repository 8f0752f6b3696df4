using Workbench.Text;

namespace Workbench.Data.Language;

/// <summary>Every word the grammar can produce, in a fixed order: the vocabulary of <see cref="Tokenizer"/>.</summary>
public static class Lexicon
{
    /// <summary>Largest count a fact can state.</summary>
    public const int MaxFactCount = 20;

    /// <summary>Largest number word (a sum of two counts).</summary>
    public const int MaxNumber = 2 * MaxFactCount;

    /// <summary>People's names.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "kim", "leo",
        "mia", "nina", "oscar", "peggy", "quinn", "rita", "sam", "tom", "uma", "victor", "wendy", "zoe",
    ];

    /// <summary>Things people have (plural nouns; one kind per episode).</summary>
    public static readonly IReadOnlyList<string> Objects =
    [
        "apples", "pears", "plums", "books", "coins", "stamps", "shells", "marbles",
        "cards", "pens", "cups", "keys", "rocks", "hats", "boats", "kites",
    ];

    /// <summary>Number words "0".."40".</summary>
    public static readonly IReadOnlyList<string> Numbers = Enumerable.Range(0, MaxNumber + 1).Select(Number).ToArray();

    /// <summary>Template, synonym, filler and punctuation words.</summary>
    public static readonly IReadOnlyList<string> FunctionWords =
    [
        ".", ",", "?", "[", "]",
        "has", "owns", "holds", "have", "own", "hold",
        "how", "many", "does", "do", "who", "or", "and", "more", "fewer", "than",
        "together", "in", "total", "combined", "altogether",
        "ok", "well", "so", "the", "answer", "is", "it", "that", "makes", "equals", "plus", "minus",
        "those", "with", "are",
    ];

    /// <summary>The ordinary words in id order (after the six specials).</summary>
    public static readonly IReadOnlyList<string> Words = [.. FunctionWords, .. Numbers, .. Names, .. Objects];

    /// <summary>The language's tokenizer: specials, then <see cref="Words"/>. Ids are stable: only appending a word
    /// keeps old checkpoints usable.</summary>
    public static WordTokenizer Tokenizer { get; } = WordTokenizer.Create(Words);

    /// <summary>The word for a number.</summary>
    public static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    static readonly HashSet<string> NameSet = [.. Names];
    static readonly HashSet<string> ObjectSet = [.. Objects];

    /// <summary>True for a person's name.</summary>
    public static bool IsName(string word) => NameSet.Contains(word);

    /// <summary>True for an object word.</summary>
    public static bool IsObject(string word) => ObjectSet.Contains(word);

    /// <summary>The value of a number word, or null.</summary>
    public static int? NumberValue(string word) =>
        word.Length is > 0 and <= 2 && word.All(char.IsAsciiDigit) && (word.Length == 1 || word[0] != '0')
        && int.Parse(word, System.Globalization.CultureInfo.InvariantCulture) is var n && n <= MaxNumber ? n : null;
}
