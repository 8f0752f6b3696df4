using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbench.Text;

/// <summary>A fixed word-level vocabulary: text is split on whitespace and every word is one id. Ids 0..5 are the
/// special tokens (padding, beginning and end of sequence, unknown word, answer marker, end of answer); the rest
/// are the ordinary words in the order given. Saved as JSON next to a checkpoint so a model and its vocabulary
/// travel together.</summary>
public sealed class WordTokenizer : ITokenizer
{
    /// <summary>Padding (never a training target).</summary>
    public const string Pad = "<pad>";
    /// <summary>Beginning of an episode or sequence.</summary>
    public const string Bos = "<bos>";
    /// <summary>End of sequence (reserved: the synthetic language ends answers with <see cref="EndOfAnswer"/>).</summary>
    public const string Eos = "<eos>";
    /// <summary>A word outside the vocabulary (only produced when asked for).</summary>
    public const string Unk = "<unk>";
    /// <summary>Ends the prompt: what follows is the answer.</summary>
    public const string Answer = "<ans>";
    /// <summary>Ends an answer.</summary>
    public const string EndOfAnswer = "<eoa>";

    /// <summary>The special tokens, in id order (ids 0..5).</summary>
    public static readonly IReadOnlyList<string> Specials = [Pad, Bos, Eos, Unk, Answer, EndOfAnswer];

    const string FormatName = "workbench.word-tokenizer";
    static readonly string[] SpecialKeys = ["pad", "bos", "eos", "unk", "answer", "end_of_answer"];

    readonly string[] _words;
    readonly Dictionary<string, int> _ids;

    WordTokenizer(string[] words, string source)
    {
        _words = words;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
        {
            var w = words[i];
            if (string.IsNullOrEmpty(w) || w.Any(char.IsWhiteSpace))
                throw new TokenizerException($"{source}: word {i} ('{w}') is empty or contains whitespace");
            if (!_ids.TryAdd(w, i)) throw new TokenizerException($"{source}: word '{w}' appears twice (ids {_ids[w]} and {i})");
        }
        for (var i = 0; i < Specials.Count; i++)
            if (i >= words.Length || words[i] != Specials[i])
                throw new TokenizerException($"{source}: id {i} must be the special token {Specials[i]}, found '{(i < words.Length ? words[i] : "nothing")}'");
    }

    /// <summary>A tokenizer whose ids are the six specials followed by <paramref name="words"/> in order.</summary>
    public static WordTokenizer Create(IEnumerable<string> words) =>
        new(Specials.Concat(words).ToArray(), "word list");

    /// <summary>All words by id (specials first).</summary>
    public IReadOnlyList<string> Words => _words;

    /// <inheritdoc/>
    public int VocabularySize => _words.Length;

    /// <summary>Id of <see cref="Pad"/>.</summary>
    public int PadId => 0;
    /// <summary>Id of <see cref="Bos"/>.</summary>
    public int BosId => 1;
    /// <summary>Id of <see cref="Eos"/>.</summary>
    public int EosId => 2;
    /// <summary>Id of <see cref="Unk"/>.</summary>
    public int UnkId => 3;
    /// <summary>Id of the answer marker <see cref="Answer"/>.</summary>
    public int AnswerId => 4;
    /// <summary>Id of <see cref="EndOfAnswer"/>.</summary>
    public int EndOfAnswerId => 5;

    int? ITokenizer.PadId => PadId;
    int? ITokenizer.BosId => BosId;
    int? ITokenizer.EosId => EosId;
    int? ITokenizer.UnkId => UnkId;

    /// <summary>True for the six special ids.</summary>
    public bool IsSpecial(int id) => id >= 0 && id < Specials.Count;

    /// <summary>True when the word is in the vocabulary.</summary>
    public bool Contains(string word) => _ids.ContainsKey(word);

    /// <summary>The id of one word; throws naming the word when it is not in the vocabulary.</summary>
    public int Id(string word) => _ids.TryGetValue(word, out var id) ? id
        : throw new TokenizerException($"unknown word '{word}': not in the {VocabularySize}-word vocabulary");

    /// <inheritdoc/>
    /// <exception cref="TokenizerException">A word is not in the vocabulary (use the overload with unknownAsUnk).</exception>
    public int[] Encode(string text) => Encode(Split(text), unknownAsUnk: false);

    /// <summary>Encodes whitespace-separated text; unknown words become <see cref="Unk"/> when
    /// <paramref name="unknownAsUnk"/> is set, otherwise they are an error naming the word.</summary>
    public int[] Encode(string text, bool unknownAsUnk) => Encode(Split(text), unknownAsUnk);

    /// <summary>Encodes a sequence of words (one id each).</summary>
    public int[] Encode(IEnumerable<string> words, bool unknownAsUnk = false)
    {
        var ids = new List<int>();
        foreach (var w in words)
        {
            if (_ids.TryGetValue(w, out var id)) ids.Add(id);
            else if (unknownAsUnk) ids.Add(UnkId);
            else throw new TokenizerException(
                $"unknown word '{w}' (word {ids.Count} of the text) is not in the {VocabularySize}-word vocabulary; pass unknownAsUnk: true to map it to {Unk}");
        }
        return ids.ToArray();
    }

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids) => string.Join(' ', ToWords(ids));

    /// <summary>Decodes ids to text, leaving out the special tokens when <paramref name="skipSpecials"/> is set.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecials) =>
        string.Join(' ', ToWords(skipSpecials ? ids.Where(i => !IsSpecial(i)) : ids));

    /// <summary>The word of every id.</summary>
    public string[] ToWords(IEnumerable<int> ids) => ids.Select(TokenText).ToArray();

    /// <inheritdoc/>
    public string TokenText(int id) => id >= 0 && id < _words.Length ? _words[id]
        : throw new TokenizerException($"token id {id} is outside the vocabulary (ids 0..{_words.Length - 1})");

    /// <summary>A short hash of the vocabulary (words in id order): equal fingerprints mean identical ids. Worth
    /// recording in a checkpoint's card.</summary>
    public string Fingerprint =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', _words))))[..16];

    /// <summary>Throws one line naming the first differing id when <paramref name="other"/> does not have exactly
    /// these words with these ids (a checkpoint trained on another vocabulary would decode garbage).</summary>
    public void EnsureSameAs(WordTokenizer other, string otherName = "the other tokenizer")
    {
        if (other.Fingerprint == Fingerprint) return;
        var n = Math.Min(_words.Length, other._words.Length);
        var i = Enumerable.Range(0, n).FirstOrDefault(k => _words[k] != other._words[k], n);
        var where = i < n ? $"first difference at id {i} ('{_words[i]}' here, '{other._words[i]}' there)"
            : $"the first {n} ids agree";
        throw new TokenizerException($"{otherName} has a different vocabulary: {other._words.Length} words vs {_words.Length} expected, {where}");
    }

    /// <summary>The vocabulary as JSON (format name, version, specials, words by id).</summary>
    public string ToJson()
    {
        var specials = new JsonObject();
        for (var i = 0; i < SpecialKeys.Length; i++) specials[SpecialKeys[i]] = Specials[i];
        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = 1,
            ["fingerprint"] = Fingerprint,
            ["specials"] = specials,
            ["words"] = new JsonArray(_words.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes the vocabulary as JSON (conventionally <c>tokenizer.words.json</c> next to model.safetensors).</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>Reads a vocabulary saved by <see cref="Save"/>; throws one line naming the file for anything else.</summary>
    public static WordTokenizer Load(string path)
    {
        if (!File.Exists(path)) throw new TokenizerException($"{path}: file not found");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>Parses JSON written by <see cref="ToJson"/>; <paramref name="source"/> names it in errors.</summary>
    public static WordTokenizer FromJson(string json, string source = "tokenizer JSON")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new TokenizerException($"{source}: not valid JSON ({e.Message.Split('\n')[0]})"); }
        if (root is not JsonObject o || o["format"]?.GetValueKind() != JsonValueKind.String || (string?)o["format"] != FormatName)
            throw new TokenizerException($"{source}: not a word tokenizer (expected \"format\": \"{FormatName}\")");
        if (o["version"] is not JsonValue v || !v.TryGetValue<int>(out var version) || version != 1)
            throw new TokenizerException($"{source}: unsupported word tokenizer version {o["version"]?.ToJsonString() ?? "(missing)"} (this library reads version 1)");
        if (o["words"] is not JsonArray arr || arr.Any(w => w?.GetValueKind() != JsonValueKind.String))
            throw new TokenizerException($"{source}: \"words\" must be an array of strings");
        var tokenizer = new WordTokenizer(arr.Select(w => (string)w!).ToArray(), source);
        if (o["fingerprint"] is JsonValue f && (string?)f != tokenizer.Fingerprint)
            throw new TokenizerException($"{source}: fingerprint {(string?)f} does not match its words ({tokenizer.Fingerprint}); the file was edited or damaged");
        return tokenizer;
    }

    static IEnumerable<string> Split(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
