using Workbench.Text;

namespace Workbench.Data.Language;

/// <summary>One episode: a context of facts and a question (the prompt, ending with the answer marker), and one
/// valid answer sampled in the episode's style (ending with the end-of-answer token).</summary>
/// <param name="Scene">The facts.</param>
/// <param name="Question">The question.</param>
/// <param name="Style">The style it was sampled in (prompt phrasing, and the answer unless replaced by <see cref="WithAnswerIn"/>).</param>
/// <param name="Prompt">"&lt;bos&gt; facts question &lt;ans&gt;" as words: what a model is given.</param>
/// <param name="Answer">One valid answer, "." and "&lt;eoa&gt;" included, each word with its role.</param>
public sealed record Episode(Scene Scene, Question Question, Style Style, IReadOnlyList<string> Prompt, IReadOnlyList<AnswerToken> Answer)
{
    /// <summary>The answer's words.</summary>
    public IReadOnlyList<string> AnswerWords => Answer.Select(t => t.Word).ToArray();

    /// <summary>The prompt as text.</summary>
    public string PromptText => string.Join(' ', Prompt);

    /// <summary>The answer as text.</summary>
    public string AnswerText => string.Join(' ', AnswerWords);

    /// <summary>Prompt and answer as text.</summary>
    public string Text => PromptText + " " + AnswerText;

    /// <summary>Tokens in prompt and answer.</summary>
    public int Length => Prompt.Count + Answer.Count;

    /// <summary>The prompt's token ids (starting with &lt;bos&gt;, ending with &lt;ans&gt;).</summary>
    public int[] PromptIds(WordTokenizer? tokenizer = null) => (tokenizer ?? Lexicon.Tokenizer).Encode(Prompt);

    /// <summary>The answer's token ids (ending with &lt;eoa&gt;).</summary>
    public int[] AnswerIds(WordTokenizer? tokenizer = null) => (tokenizer ?? Lexicon.Tokenizer).Encode(AnswerWords);

    /// <summary>The whole episode's token ids.</summary>
    public int[] Ids(WordTokenizer? tokenizer = null) => [.. PromptIds(tokenizer), .. AnswerIds(tokenizer)];

    /// <summary>The same facts and question with a new answer sampled in <paramref name="style"/> (e.g. "human"
    /// answers in style C for prompts of any style).</summary>
    public Episode WithAnswerIn(Style style, LanguageRandom rng, LanguageOptions? options = null) =>
        this with { Answer = Grammar.SampleAnswer(Scene, Question, style, rng, options) };

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <inheritdoc/>
    public bool Equals(Episode? other) => other is not null && Scene.Equals(other.Scene) && Question.Equals(other.Question)
        && Style == other.Style && Prompt.SequenceEqual(other.Prompt) && Answer.SequenceEqual(other.Answer);

    /// <inheritdoc/>
    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);
}
