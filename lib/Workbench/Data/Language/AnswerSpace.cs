namespace Workbench.Data.Language;

/// <summary>Every valid answer to one question about one scene (finite, enumerable), with each answer's probability
/// in each style: the ground truth the checker judges against and an exact "oracle" model of each style.</summary>
/// <remarks>The answers are stored as a prefix tree, so prefix validity, the valid next words and the style's
/// next-word distribution after any prefix are lookups.</remarks>
public sealed class AnswerSpace
{
    readonly Phrase _tree;
    readonly LanguageOptions _options;
    readonly List<IReadOnlyList<AnswerToken>> _answers = [];

    AnswerSpace(Scene scene, Question question, LanguageOptions options)
    {
        Scene = scene;
        Question = question;
        _options = options;
        _tree = AnswerForms.Build(scene, question);
        _tree.Expand(options.AnswerPreference, (tokens, probability) =>
        {
            var node = Root;
            for (var s = 0; s < 3; s++) node.Mass[s] += probability[s];
            foreach (var t in tokens)
            {
                if (!node.Children.TryGetValue(t.Word, out var child)) node.Children[t.Word] = child = new Node(t.Kind);
                child.Kind = (SlotKind)Math.Max((int)child.Kind, (int)t.Kind); // a word that is a meaning slot on any path counts as one
                for (var s = 0; s < 3; s++) child.Mass[s] += probability[s];
                node = child;
            }
            if (!node.IsEnd) _answers.Add(tokens.ToArray()); // two paths with the same words are one answer
            node.IsEnd = true;
        });
    }

    /// <summary>The valid answers to <paramref name="question"/> about <paramref name="scene"/>.</summary>
    public static AnswerSpace Of(Scene scene, Question question, LanguageOptions? options = null) =>
        new(scene, question, (options ?? LanguageOptions.Default).Validate());

    /// <summary>The facts.</summary>
    public Scene Scene { get; }

    /// <summary>The question.</summary>
    public Question Question { get; }

    /// <summary>Every valid answer, each ending with "." and the end-of-answer token.</summary>
    public IReadOnlyList<IReadOnlyList<AnswerToken>> Answers => _answers;

    /// <summary>Number of valid answers.</summary>
    public int Count => _answers.Count;

    internal Node Root { get; } = new(SlotKind.Template);

    /// <summary>True when <paramref name="answer"/> is exactly a valid answer (ending with the end-of-answer token).</summary>
    public bool Contains(IReadOnlyList<string> answer) => Walk(answer) is { IsEnd: true };

    /// <summary>True when <paramref name="prefix"/> can still be completed to a valid answer.</summary>
    public bool IsValidPrefix(IReadOnlyList<string> prefix) => Walk(prefix) != null;

    /// <summary>The words that keep <paramref name="prefix"/> valid (empty when the prefix is invalid or complete).</summary>
    public IReadOnlyList<string> ValidNextWords(IReadOnlyList<string> prefix) =>
        Walk(prefix)?.Children.Keys.Order(StringComparer.Ordinal).ToList() ?? [];

    /// <summary>The probability of a complete answer in a style (0 when it is not valid).</summary>
    public double Probability(IReadOnlyList<string> answer, Style style) =>
        Walk(answer) is { IsEnd: true } n ? n.Mass[(int)style] : 0; // an end node has no children: its mass is the answer's

    /// <summary>The style's exact next-word distribution after a valid prefix (empty when invalid or complete).</summary>
    public IReadOnlyDictionary<string, double> NextWordProbabilities(IReadOnlyList<string> prefix, Style style)
    {
        var node = Walk(prefix);
        if (node == null) return new Dictionary<string, double>();
        var total = node.Children.Values.Sum(c => c.Mass[(int)style]);
        return node.Children.ToDictionary(kv => kv.Key, kv => kv.Value.Mass[(int)style] / total);
    }

    /// <summary>The answer a perfect model of the style decodes greedily (most likely next word at every step;
    /// ties broken by word order).</summary>
    public IReadOnlyList<AnswerToken> GreedyAnswer(Style style)
    {
        var tokens = new List<AnswerToken>();
        for (var node = Root; node.Children.Count > 0;)
        {
            var (word, child) = node.Children.OrderByDescending(kv => kv.Value.Mass[(int)style])
                .ThenBy(kv => kv.Key, StringComparer.Ordinal).First();
            tokens.Add(new AnswerToken(word, child.Kind));
            node = child;
        }
        return tokens;
    }

    /// <summary>One answer sampled in a style.</summary>
    public IReadOnlyList<AnswerToken> Sample(Style style, LanguageRandom rng)
    {
        var tokens = new List<AnswerToken>();
        _tree.Sample(style, _options.AnswerPreference, rng, tokens);
        return tokens;
    }

    internal Node? Walk(IReadOnlyList<string> words)
    {
        var node = Root;
        foreach (var w in words)
            if (!node.Children.TryGetValue(w, out node)) return null;
        return node;
    }

    /// <summary>A prefix-tree node: the word leading to it, its role, and the probability mass of the answers
    /// through it in each style.</summary>
    internal sealed class Node(SlotKind kind)
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public SlotKind Kind { get; set; } = kind;
        public double[] Mass { get; } = new double[3];
        public bool IsEnd { get; set; }
    }
}
