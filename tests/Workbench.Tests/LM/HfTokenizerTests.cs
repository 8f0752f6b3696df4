using System.Text.Json.Nodes;
using Workbench.Tests.Support;
using Workbench.Text;

namespace Workbench.Tests.LM;

public class HfTokenizerTests
{
    /// <summary>A tiny byte-level BPE in tokenizer.json layout ('Ġ' is the byte-level symbol of a space).</summary>
    static string Write(string dir, string preTokenizerType = "ByteLevel", string modelType = "BPE")
    {
        var vocab = new JsonObject();
        string[] symbols = { "h", "e", "l", "o", "Ġ", "w", "r", "d", "he", "ll", "llo", "hello", "Ġw" };
        for (int i = 0; i < symbols.Length; i++) vocab[symbols[i]] = i;
        var json = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = modelType, ["vocab"] = vocab,
                ["merges"] = new JsonArray("h e", "l l", "ll o", "he llo", "Ġ w"),
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = preTokenizerType, ["add_prefix_space"] = false },
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 13, ["content"] = "<|endoftext|>", ["special"] = true }),
        };
        var path = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Fact]
    public void EncodesWithMergesAndDecodesBack()
    {
        var dir = Paths.TempDir("hf-tok");
        try
        {
            Write(dir);
            var tok = TokenizerFiles.TryLoad(dir)!;
            var ids = tok.Encode("hello world");
            Assert.Equal(new[] { 11, 12, 3, 6, 2, 7 }, ids); // hello, Ġw, o, r, l, d
            Assert.Equal("hello world", tok.Decode(ids));
            Assert.Equal(13, tok.EosId);
            Assert.Equal(14, tok.VocabularySize);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SentencePieceStyleTokenizersAreRefusedInOneLine()
    {
        var dir = Paths.TempDir("hf-tok-sp");
        try
        {
            Write(dir, preTokenizerType: "Metaspace");
            var e = Assert.Throws<TokenizerException>(() => TokenizerFiles.TryLoad(dir));
            Assert.Contains("SentencePiece style", e.Message);
            Write(dir, modelType: "Unigram");
            Assert.Contains("unsupported tokenizer model 'Unigram'", Assert.Throws<TokenizerException>(() => TokenizerFiles.TryLoad(dir)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
