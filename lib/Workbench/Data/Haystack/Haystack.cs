namespace Workbench.Data.Haystack;

/// <summary>One needle-in-a-haystack prompt: <c>&lt;bos&gt;</c>, filler text holding the needle "KEY k VAL v" (and decoy
/// needles with other keys), then the question "QUERY k &lt;ans&gt;", whose answer is v followed by <c>&lt;eoa&gt;</c>.</summary>
/// <param name="Prompt">The prompt's token ids (exactly the asked length).</param>
/// <param name="Answer">The expected answer: the value's tokens, then end-of-answer.</param>
/// <param name="NeedleStart">Index in <paramref name="Prompt"/> of the needle's "KEY".</param>
/// <param name="NeedleLength">Tokens in the needle (4 or 5: "KEY k VAL v" or "KEY k VAL v1 v2").</param>
/// <param name="Depth">Where the needle sits: 0 = right after &lt;bos&gt;, 1 = right before the question.</param>
/// <param name="DecoyStarts">Indices of the decoy needles' "KEY"s (other keys, random values).</param>
public sealed record Haystack(long[] Prompt, long[] Answer, int NeedleStart, int NeedleLength, double Depth, int[] DecoyStarts)
{
    /// <summary>Tokens of the question at the end ("QUERY k &lt;ans&gt;"): never dropped.</summary>
    public const int QueryLength = 3;

    /// <summary>Prompt length n.</summary>
    public int Length => Prompt.Length;

    /// <summary>The key the question asks about.</summary>
    public long Key => Prompt[NeedleStart + 1];

    /// <summary>The value's tokens (the answer without end-of-answer).</summary>
    public long[] Value => Answer[..^1];

    /// <summary>Indices of the value tokens in the prompt: what a filter must keep for the answer to survive.</summary>
    public int[] ValuePositions => Enumerable.Range(NeedleStart + 3, NeedleLength - 3).ToArray();

    /// <summary>Which tokens a filter may drop: the filler and every needle (true), not &lt;bos&gt; or the question (false).</summary>
    public bool[] Droppable => Enumerable.Range(0, Length).Select(i => i > 0 && i < Length - QueryLength).ToArray();

    /// <summary>True when <paramref name="kept"/> (prompt indices) contains every value token of the needle.</summary>
    public bool NeedleKept(IEnumerable<long> kept)
    {
        var set = kept.ToHashSet();
        return ValuePositions.All(p => set.Contains(p));
    }

    /// <summary>True when a generated continuation starts with the whole answer (value and end-of-answer).</summary>
    public bool IsCorrect(IReadOnlyList<long> generated) =>
        generated.Count >= Answer.Length && Answer.Select((t, i) => generated[i] == t).All(x => x);
}
