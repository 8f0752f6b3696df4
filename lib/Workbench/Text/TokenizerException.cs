namespace Workbench.Text;

/// <summary>A tokenizer cannot be used as asked: an unknown word, an id outside the vocabulary, a malformed
/// tokenizer file or two vocabularies that differ. The message is one line naming the word, id or file.</summary>
public sealed class TokenizerException(string message) : Exception(message);
