namespace Workbench.Data.Language;

/// <summary>One fact of a context: a person has a count of the episode's object.</summary>
public sealed record Fact(string Name, int Count);

/// <summary>The facts of an episode's context: distinct people, one kind of object, in the order the context
/// states them. Two scenes are equal when they state the same facts in the same order.</summary>
public sealed record Scene(string Object, IReadOnlyList<Fact> Facts)
{
    /// <summary>The count of one person; throws naming the person when the context does not mention them.</summary>
    public int CountOf(string name) =>
        Facts.FirstOrDefault(f => f.Name == name)?.Count
        ?? throw new ArgumentException($"'{name}' is not in the context ({string.Join(", ", Facts.Select(f => f.Name))})");

    /// <summary>True when the context states a count for this person.</summary>
    public bool Mentions(string name) => Facts.Any(f => f.Name == name);

    /// <summary>Compact text, e.g. <c>apples: alice=3 bob=5</c>.</summary>
    public override string ToString() => $"{Object}: {string.Join(' ', Facts.Select(f => $"{f.Name}={f.Count}"))}";

    /// <inheritdoc/>
    public bool Equals(Scene? other) => other is not null && Object == other.Object && Facts.SequenceEqual(other.Facts);

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

/// <summary>The kinds of question an episode can ask.</summary>
public enum QuestionKind
{
    /// <summary>"how many apples does alice have ?": one count looked up.</summary>
    Lookup,
    /// <summary>"how many apples do alice and bob have together ?": the sum of two counts.</summary>
    Sum,
    /// <summary>"how many more apples does alice have than bob ?": the difference of two counts (never negative).</summary>
    Difference,
    /// <summary>"who has more apples , alice or bob ?" (or fewer): the name with the larger (smaller) count.</summary>
    Compare,
    /// <summary>"who has more than 5 apples ?": the list of names above a threshold, in brackets, any order.</summary>
    List,
}

/// <summary>What an episode asks about its scene.</summary>
/// <param name="Kind">The question type.</param>
/// <param name="Names">The people named in the question, in question order (one for Lookup, two for Sum,
/// Difference and Compare, none for List).</param>
/// <param name="Fewer">Compare only: asks who has fewer (otherwise more).</param>
/// <param name="Threshold">List only: names with a count strictly above it.</param>
public sealed record Question(QuestionKind Kind, IReadOnlyList<string> Names, bool Fewer = false, int Threshold = 0)
{
    /// <summary>Compact text, e.g. <c>Sum(alice, bob)</c>.</summary>
    public override string ToString() => Kind switch
    {
        QuestionKind.Compare => $"Compare{(Fewer ? "Fewer" : "More")}({string.Join(", ", Names)})",
        QuestionKind.List => $"List(> {Threshold})",
        _ => $"{Kind}({string.Join(", ", Names)})",
    };

    /// <inheritdoc/>
    public bool Equals(Question? other) => other is not null && Kind == other.Kind && Fewer == other.Fewer
        && Threshold == other.Threshold && Names.SequenceEqual(other.Names);

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
