namespace Workbench.Papers.JudgeDecoding;

/// <summary>Accepted tokens per target call when a fixed text (a "human" answer, another model's answer) is offered
/// as the draft, the way the paper measures its motivating figure: the text is fed γ tokens at a time, the verifier
/// keeps the longest accepted prefix, and the next call starts after the first rejected token (which the target's own
/// token replaces; here the text's token is kept so that the whole text is measured).</summary>
public static class TextAcceptance
{
    /// <summary>Tokens per target call for a text whose token i is accepted when <paramref name="accepted"/>[i]: each
    /// call emits its accepted run (at most γ) plus one token (the correction, or the bonus after a full run).</summary>
    public static double TokensPerCall(IReadOnlyList<bool> accepted, int gamma) =>
        accepted.Count == 0 ? 0 : (double)accepted.Count / Calls(accepted, gamma);

    /// <summary>Target calls needed to get through the text (pool texts as total tokens over total calls).</summary>
    public static int Calls(IReadOnlyList<bool> accepted, int gamma)
    {
        if (gamma < 1) throw new ArgumentException($"gamma must be at least 1 (got {gamma})");
        int position = 0, calls = 0;
        while (position < accepted.Count)
        {
            int run = 0;
            while (run < gamma && position + run < accepted.Count && accepted[position + run]) run++;
            calls++;
            position += run + 1;
        }
        return calls;
    }
}
