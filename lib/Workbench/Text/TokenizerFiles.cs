namespace Workbench.Text;

/// <summary>Finds the tokenizer stored with a checkpoint.</summary>
public static class TokenizerFiles
{
    /// <summary>The tokenizer in <paramref name="dir"/>, or null when the checkpoint has none.</summary>
    public static ITokenizer? TryLoad(string dir) => null;
}

/// <summary>Text to token ids and back.</summary>
public interface ITokenizer
{
    /// <summary>Token ids of a text.</summary>
    long[] Encode(string text);

    /// <summary>Text of token ids.</summary>
    string Decode(IEnumerable<long> ids);

    /// <summary>The id that ends a generation, if the tokenizer has one.</summary>
    long? EndOfText { get; }
}
