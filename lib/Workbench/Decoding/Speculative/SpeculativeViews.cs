using System.Globalization;
using Workbench.Text;
using Workbench.Viz;

namespace Workbench.Decoding.Speculative;

/// <summary>Views of speculative traces: verdict token strips and a slider figure that scrubs through the rounds.</summary>
public static class SpeculativeViews
{
    /// <summary>Colour per verdict (shared by strips, figures and legends).</summary>
    public static string Colour(Verdict v) => v switch
    {
        Verdict.Accepted => "#c6efce",
        Verdict.JudgeAccepted => "#9dc3e6",
        Verdict.Rejected => "#ffc7ce",
        Verdict.Discarded => "#e7e6e6",
        Verdict.Resampled => "#ffe699",
        Verdict.Bonus => "#d9b8f0",
        _ => "#ffffff",
    };

    /// <summary>Legend text per verdict.</summary>
    public static string Label(Verdict v) => v switch
    {
        Verdict.Accepted => "accepted draft",
        Verdict.JudgeAccepted => "judge-accepted draft",
        Verdict.Rejected => "rejected draft",
        Verdict.Discarded => "discarded (after the rejection)",
        Verdict.Resampled => "target's token (correction)",
        Verdict.Bonus => "target's bonus token",
        _ => v.ToString(),
    };

    static string F(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    static Func<long, string> Namer(ITokenizer? tokenizer) =>
        tokenizer == null ? id => $"[{id}]" : id => tokenizer.TokenText((int)id);

    /// <summary>The hover text of a drafted token.</summary>
    public static string Hover(DraftedToken d, Func<long, string> name)
    {
        var s = $"{Label(d.Verdict)}\ndraft q = {F(d.Q)} (draft's top-1 {F(d.DraftConfidence)})\ntarget p = {F(d.P)}";
        if (d.TargetChoice != d.Token) s += $"\ntarget prefers '{name(d.TargetChoice)}' (p = {F(d.TargetChoiceP)})";
        if (d.JudgeScore is { } j) s += $"\njudge score = {F(j)}";
        return s;
    }

    /// <summary>One round as a strip: drafted tokens coloured by verdict, then the target's token.</summary>
    public static TokenStrip StepStrip(SpeculativeStep step, ITokenizer? tokenizer = null, bool legend = true)
    {
        var name = Namer(tokenizer);
        var strip = new TokenStrip($"round {step.Index + 1}: {step.Accepted} of {step.Drafted.Count} drafted kept, +1 from the target"
            + (step.DraftStoppedEarly ? " (draft stopped early: unsure)" : "")
            + $" · draft {step.Cost.DraftCalls} calls {step.Cost.DraftWall.TotalMilliseconds:0.#} ms, target 1 call {step.Cost.TargetWall.TotalMilliseconds:0.#} ms");
        AddRound(strip, step, name, markStart: false);
        if (legend) AddLegend(strip, new[] { step });
        return strip;
    }

    /// <summary>A whole trace as one strip: the prompt's tail in grey, then each round's tokens by verdict; a border
    /// marks the first token of each round. Rejected and discarded drafts are shown struck through.</summary>
    public static TokenStrip TraceStrip(SpeculativeTrace trace, ITokenizer? tokenizer = null, int promptTail = 12, bool showRejected = true)
    {
        var name = Namer(tokenizer);
        var m = SpeculativeMetrics.Of(trace);
        var strip = new TokenStrip($"{trace.Drafter} → {trace.Verifier}, γ = {trace.Gamma}: {trace.Output.Count} tokens in {m.Rounds} target calls "
            + $"({m.MeanTokensPerTargetCall:0.00} per call), acceptance {m.AcceptanceRate:P0}");
        foreach (var id in trace.Prompt.Skip(Math.Max(0, trace.Prompt.Count - promptTail)))
            strip.Add(new TokenChip(name(id) + " ", Foreground: "#888", Hover: "prompt"));
        foreach (var step in trace.Steps) AddRound(strip, step, name, markStart: true, showRejected);
        AddLegend(strip, trace.Steps);
        return strip;
    }

    static void AddRound(TokenStrip strip, SpeculativeStep step, Func<long, string> name, bool markStart, bool showRejected = true)
    {
        bool first = true;
        foreach (var d in step.Drafted)
        {
            if (!showRejected && d.Verdict is Verdict.Rejected or Verdict.Discarded) continue;
            bool struck = d.Verdict is Verdict.Rejected or Verdict.Discarded;
            strip.Add(new TokenChip(name(d.Token) + " ", Colour(d.Verdict), Hover(d, name), Struck: struck,
                Border: markStart && first ? "#555" : null, Foreground: struck ? "#777" : null));
            first = false;
        }
        strip.Add(new TokenChip(name(step.Next) + " ", Colour(step.NextVerdict),
            $"{Label(step.NextVerdict)}\ntarget p = {F(step.NextP)}", Border: markStart && first ? "#555" : null));
    }

    static void AddLegend(TokenStrip strip, IEnumerable<SpeculativeStep> steps)
    {
        var seen = steps.SelectMany(s => s.Drafted.Select(d => d.Verdict).Append(s.NextVerdict)).ToHashSet();
        foreach (var v in Enum.GetValues<Verdict>().Where(seen.Contains)) strip.Legend(Label(v), Colour(v));
    }

    /// <summary>A trace as a notebook shows it: the strip, then the round scrubber.</summary>
    public static HtmlView TraceView(SpeculativeTrace trace) =>
        trace.Steps.Count == 0 ? HtmlView.Stack(TraceStrip(trace, trace.Tokenizer))
            : HtmlView.Stack(TraceStrip(trace, trace.Tokenizer), RoundScrubber(trace, trace.Tokenizer));

    /// <summary>A slider over rounds: for each round, the draft's q and the target's p of every drafted token
    /// (coloured by verdict) and of the target's appended token. Scrubbing runs in the browser.</summary>
    public static Figure RoundScrubber(SpeculativeTrace trace, ITokenizer? tokenizer = null)
    {
        var name = Namer(tokenizer);
        if (trace.Steps.Count == 0) throw new ArgumentException("the trace has no rounds yet");
        var frames = trace.Steps.Select(step =>
        {
            var labels = step.Drafted.Select((d, i) => $"{i + 1}. {name(d.Token)}").Append($"→ {name(step.Next)}").ToArray();
            var q = step.Drafted.Select(d => d.Q).Append(double.NaN).ToArray();
            var p = step.Drafted.Select(d => d.P).Append(step.NextP).ToArray();
            var colours = step.Drafted.Select(d => Colour(d.Verdict)).Append(Colour(step.NextVerdict)).ToArray();
            var fig = new Figure($"Round by round: draft q vs target p", height: 360)
                .Bar(labels, q, "draft q", "#7f7f7f")
                .Bar(labels, p, "target p (bar colour = verdict)", colors: colours)
                .BarMode("group").YAxis("probability", min: 0, max: 1.05).XAxis("drafted tokens, then the target's token");
            fig.Text(0.5, 1.02, $"{step.Accepted}/{step.Drafted.Count} kept · +{Label(step.NextVerdict)}", xPaper: true, yPaper: true);
            return ($"{step.Index + 1}", fig);
        });
        return Figure.Slider(frames, prefix: "round ");
    }
}
