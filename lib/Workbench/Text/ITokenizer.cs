namespace Workbench.Text;

/// <summary>What models, decoders and notebooks need from a tokenizer: text to ids and back, the vocabulary size and
/// the special ids. Implemented by <see cref="WordTokenizer"/> (the synthetic language) and by wrappers of real
/// tokenizers.</summary>
public interface ITokenizer
{
    /// <summary>Number of ids; every id is in [0, VocabularySize).</summary>
    int VocabularySize { get; }

    /// <summary>Encodes text as ids. Adds no special tokens (a prompt's beginning-of-sequence id is the caller's choice).</summary>
    int[] Encode(string text);

    /// <summary>Decodes ids back to text.</summary>
    string Decode(IEnumerable<int> ids);

    /// <summary>One token's text, for token strips and traces.</summary>
    string TokenText(int id);

    /// <summary>Padding id, or null when the tokenizer has none.</summary>
    int? PadId { get; }

    /// <summary>Beginning-of-sequence id, or null.</summary>
    int? BosId { get; }

    /// <summary>End-of-sequence id, or null.</summary>
    int? EosId { get; }

    /// <summary>Unknown-word id, or null.</summary>
    int? UnkId { get; }
}
