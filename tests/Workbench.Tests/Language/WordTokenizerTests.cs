using Workbench.Data.Language;
using Workbench.Tests.Support;
using Workbench.Text;

namespace Workbench.Tests.Language;

public class WordTokenizerTests
{
    static readonly WordTokenizer Tok = Lexicon.Tokenizer;

    [Fact]
    public void SpecialIdsAreFixedAndTheVocabularyIsSmall()
    {
        Assert.Equal((0, 1, 2, 3, 4, 5), (Tok.PadId, Tok.BosId, Tok.EosId, Tok.UnkId, Tok.AnswerId, Tok.EndOfAnswerId));
        Assert.Equal(["<pad>", "<bos>", "<eos>", "<unk>", "<ans>", "<eoa>"], Tok.Words.Take(6));
        Assert.Equal(128, Tok.VocabularySize); // 6 specials + 41 function words + 41 numbers + 24 names + 16 objects
        ITokenizer common = Tok;
        Assert.Equal((0, 1, 2, 3), (common.PadId, common.BosId, common.EosId, common.UnkId));
        Assert.Equal("alice", common.TokenText(common.Encode("alice")[0]));
    }

    [Fact]
    public void RoundTripsEpisodes()
    {
        foreach (var e in new CorpusSampler(Style.C, 11).NextEpisodes(200))
        {
            var ids = Tok.Encode(e.Text);
            Assert.Equal(e.Length, ids.Length);
            Assert.All(ids, id => Assert.InRange(id, 0, Tok.VocabularySize - 1));
            Assert.Equal(e.Text, Tok.Decode(ids));
            Assert.Equal(e.Ids(), ids);
        }
        Assert.Equal("alice has 3 apples .", Tok.Decode(Tok.Encode("<bos> alice has 3 apples . <eoa>"), skipSpecials: true));
    }

    [Fact]
    public void UnknownWordsAreAOneLineErrorOrUnkWhenAsked()
    {
        var e = Assert.Throws<TokenizerException>(() => Tok.Encode("alice has 3 bananas ."));
        Assert.Equal("unknown word 'bananas' (word 3 of the text) is not in the 128-word vocabulary; pass unknownAsUnk: true to map it to <unk>", e.Message);
        Assert.Equal([Tok.Id("alice"), Tok.Id("has"), Tok.Id("3"), Tok.UnkId, Tok.Id(".")], Tok.Encode("alice has 3 bananas .", unknownAsUnk: true));
        Assert.Equal("token id 128 is outside the vocabulary (ids 0..127)", Assert.Throws<TokenizerException>(() => Tok.Decode([1, 128])).Message);
        Assert.Equal("unknown word 'Alice': not in the 128-word vocabulary", Assert.Throws<TokenizerException>(() => Tok.Id("Alice")).Message);
    }

    [Fact]
    public void SavesAndLoadsAsJson()
    {
        var dir = Paths.TempDir("tokenizer");
        try
        {
            var path = Path.Combine(dir, "tokenizer.words.json");
            Tok.Save(path);
            var back = WordTokenizer.Load(path);
            Tok.EnsureSameAs(back, path);
            Assert.Equal(Tok.Fingerprint, back.Fingerprint);
            Assert.Equal(Tok.Words, back.Words);
            Assert.Equal(Tok.Encode("who has more than 5 pears ? <ans>"), back.Encode("who has more than 5 pears ? <ans>"));
            Assert.Contains("\"format\": \"workbench.word-tokenizer\"", File.ReadAllText(path));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void AMismatchedVocabularyNamesTheFirstDifferentId()
    {
        var words = Lexicon.Words.ToList();
        (words[50], words[51]) = (words[51], words[50]);
        var swapped = WordTokenizer.Create(words);
        var e = Assert.Throws<TokenizerException>(() => Tok.EnsureSameAs(swapped, "checkpoint tokenizer"));
        Assert.Equal($"checkpoint tokenizer has a different vocabulary: 128 words vs 128 expected, first difference at id 56 ('{Lexicon.Words[50]}' here, '{Lexicon.Words[51]}' there)", e.Message);
        var longer = WordTokenizer.Create([.. Lexicon.Words, "bananas"]);
        Assert.Equal("longer has a different vocabulary: 129 words vs 128 expected, the first 128 ids agree",
            Assert.Throws<TokenizerException>(() => Tok.EnsureSameAs(longer, "longer")).Message);
    }

    [Fact]
    public void BadFilesFailWithOneLineNamingTheFile()
    {
        string Error(string json) => Assert.Throws<TokenizerException>(() => WordTokenizer.FromJson(json, "t.json")).Message;
        Assert.Equal("missing.json: file not found", Assert.Throws<TokenizerException>(() => WordTokenizer.Load("missing.json")).Message);
        Assert.StartsWith("t.json: not valid JSON (", Error("{words: ["));
        Assert.Equal("t.json: not a word tokenizer (expected \"format\": \"workbench.word-tokenizer\")", Error("{\"model\": {\"type\": \"BPE\"}}"));
        Assert.Equal("t.json: unsupported word tokenizer version 2 (this library reads version 1)",
            Error("{\"format\": \"workbench.word-tokenizer\", \"version\": 2, \"words\": []}"));
        Assert.Equal("t.json: \"words\" must be an array of strings", Error("{\"format\": \"workbench.word-tokenizer\", \"version\": 1, \"words\": [1]}"));
        const string head = "{\"format\": \"workbench.word-tokenizer\", \"version\": 1, \"words\": [\"<pad>\", \"<bos>\", \"<eos>\", \"<unk>\", \"<ans>\"";
        Assert.Equal("t.json: id 5 must be the special token <eoa>, found 'nothing'", Error(head + "]}"));
        Assert.Equal("t.json: word 'a' appears twice (ids 6 and 7)", Error(head + ", \"<eoa>\", \"a\", \"a\"]}"));
        Assert.Equal("t.json: word 6 ('a b') is empty or contains whitespace", Error(head + ", \"<eoa>\", \"a b\"]}"));
        var edited = Tok.ToJson().Replace("\"pears\"", "\"bananas\"");
        Assert.StartsWith("t.json: fingerprint ", Error(edited));
        Assert.EndsWith("the file was edited or damaged", Error(edited));
    }
}
