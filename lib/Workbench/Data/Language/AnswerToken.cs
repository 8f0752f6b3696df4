namespace Workbench.Data.Language;

/// <summary>What role a word plays in an answer: a free surface form or a meaning-carrying slot.</summary>
public enum SlotKind
{
    /// <summary>A fixed word of the chosen form (punctuation, brackets, "answer is", the end marker).</summary>
    Template,
    /// <summary>A free stylistic choice: opener, synonym, filler, the first word of a phrasing. Any option is valid.</summary>
    Surface,
    /// <summary>A word copied from the prompt whose value is not in question (the object, a name from the question).</summary>
    Copy,
    /// <summary>A meaning slot: a number or name that must be derived from the facts (a count, sum, difference,
    /// winner, list member). The words a weak model gets wrong.</summary>
    Meaning,
}

/// <summary>One answer word and its role.</summary>
public readonly record struct AnswerToken(string Word, SlotKind Kind)
{
    /// <summary>The word.</summary>
    public override string ToString() => Word;
}
