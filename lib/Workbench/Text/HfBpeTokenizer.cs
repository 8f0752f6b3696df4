using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Workbench.Text;

/// <summary>A Hugging Face tokenizer.json with a byte-level BPE model (GPT-2, Llama 3, SmolLM, Qwen style), run by
/// Microsoft.ML.Tokenizers. Other tokenizer kinds (SentencePiece/Metaspace, WordPiece, Unigram) are refused with a
/// one-line <see cref="TokenizerException"/>; prompts can still be given as ids.</summary>
public sealed class HfBpeTokenizer : ITokenizer
{
    /// <summary>GPT-2's pre-tokenizer split, used when tokenizer.json does not give its own pattern.</summary>
    const string Gpt2Split = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    readonly BpeTokenizer _bpe;
    readonly Dictionary<int, string> _specialText;

    HfBpeTokenizer(BpeTokenizer bpe, int vocabularySize, Dictionary<int, string> specials, int? bos, int? eos, int? unk, int? pad)
    {
        _bpe = bpe;
        _specialText = specials;
        VocabularySize = vocabularySize;
        BosId = bos;
        EosId = eos;
        UnkId = unk;
        PadId = pad;
    }

    /// <summary>Reads tokenizer.json.</summary>
    public static HfBpeTokenizer Load(string path)
    {
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new TokenizerException($"{path}: not valid JSON ({e.Message.Split('\n')[0]})"); }
        var model = root["model"] as JsonObject ?? throw new TokenizerException($"{path}: no 'model' section");
        var type = (string?)model["type"];
        if (type != "BPE") throw new TokenizerException($"{path}: unsupported tokenizer model '{type}' (byte-level BPE only); pass --prompt-ids instead");
        if (!ContainsByteLevel(root["pre_tokenizer"]))
            throw new TokenizerException($"{path}: BPE without a ByteLevel pre-tokenizer (SentencePiece style) is not supported; pass --prompt-ids instead");

        var vocab = (model["vocab"] as JsonObject ?? throw new TokenizerException($"{path}: model.vocab is missing"))
            .ToDictionary(kv => kv.Key, kv => (int)kv.Value!);
        var merges = (model["merges"] as JsonArray ?? new JsonArray()).Select(m => m is JsonArray pair
            ? $"{(string?)pair[0]} {(string?)pair[1]}" : (string?)m ?? "").ToList();
        var specials = new Dictionary<string, int>();
        foreach (var added in root["added_tokens"] as JsonArray ?? new JsonArray())
            if (added is JsonObject a && (string?)a["content"] is { } content) specials[content] = (int)a["id"]!;

        var pattern = SplitPattern(root["pre_tokenizer"]) ?? Gpt2Split;
        var options = new BpeOptions(vocab.Where(kv => !specials.ContainsKey(kv.Key)))
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = specials,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), specials),
        };
        BpeTokenizer bpe;
        try { bpe = BpeTokenizer.Create(options); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new TokenizerException($"{path}: cannot build the BPE tokenizer ({e.Message.Split('\n')[0]})");
        }
        int size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, specials.Count == 0 ? 0 : specials.Values.Max() + 1);
        int? Find(params string[] names) => names.Select(n => specials.TryGetValue(n, out var id) ? id : (int?)null).FirstOrDefault(x => x != null);
        return new HfBpeTokenizer(bpe, size, specials.ToDictionary(kv => kv.Value, kv => kv.Key),
            Find("<s>", "<|begin_of_text|>", "<|im_start|>"), Find("</s>", "<|endoftext|>", "<|end_of_text|>", "<|eot_id|>", "<|im_end|>"),
            Find("<unk>"), Find("<pad>", "<|pad|>"));
    }

    static bool ContainsByteLevel(JsonNode? node) => node switch
    {
        JsonObject o when (string?)o["type"] == "ByteLevel" => true,
        JsonObject o when o["pretokenizers"] is JsonArray list => list.Any(ContainsByteLevel),
        _ => false,
    };

    static string? SplitPattern(JsonNode? node) => node switch
    {
        JsonObject o when (string?)o["type"] == "Split" => (string?)o["pattern"]?["Regex"],
        JsonObject o when o["pretokenizers"] is JsonArray list => list.Select(SplitPattern).FirstOrDefault(p => p != null),
        _ => null,
    };

    /// <inheritdoc/>
    public int VocabularySize { get; }

    /// <inheritdoc/>
    public int? PadId { get; }

    /// <inheritdoc/>
    public int? BosId { get; }

    /// <inheritdoc/>
    public int? EosId { get; }

    /// <inheritdoc/>
    public int? UnkId { get; }

    /// <inheritdoc/>
    public int[] Encode(string text) => _bpe.EncodeToIds(text).ToArray();

    /// <inheritdoc/>
    public string Decode(IEnumerable<int> ids) => _bpe.Decode(ids);

    /// <inheritdoc/>
    public string TokenText(int id) => _specialText.TryGetValue(id, out var s) ? s : _bpe.Decode(new[] { id });
}
