namespace Workbench.Text;

/// <summary>Finds the tokenizer stored with a checkpoint: our word tokenizer (tokenizer.words.json) or a Hugging Face
/// tokenizer.json (byte-level BPE, read with Microsoft.ML.Tokenizers).</summary>
public static class TokenizerFiles
{
    /// <summary>File name of a <see cref="WordTokenizer"/> stored with a checkpoint (distinct from HF's tokenizer.json).</summary>
    public const string WordTokenizerFile = "tokenizer.words.json";

    /// <summary>File name of a Hugging Face tokenizer.</summary>
    public const string HuggingFaceFile = "tokenizer.json";

    /// <summary>The tokenizer in <paramref name="dir"/>, or null when the checkpoint has none.</summary>
    public static ITokenizer? TryLoad(string dir)
    {
        var words = Path.Combine(dir, WordTokenizerFile);
        if (File.Exists(words)) return WordTokenizer.Load(words);
        var hf = Path.Combine(dir, HuggingFaceFile);
        if (File.Exists(hf)) return HfBpeTokenizer.Load(hf);
        return null;
    }

    /// <summary>The token that ends a generation: end-of-answer for the synthetic language, else end-of-sequence.</summary>
    public static int? StopId(ITokenizer tokenizer) => tokenizer is WordTokenizer w ? w.EndOfAnswerId : tokenizer.EosId;
}
