using System.Globalization;
using Workbench.Viz;

namespace Workbench.Decoding.Speculative;

/// <summary>Views of self-speculative traces: which exit wrote each output token (the self-draft at layer l, or the
/// full model at layer L) and where the second early exit stopped drafting.</summary>
public static class SelfSpeculativeViews
{
    /// <summary>Colour of a token the self-draft wrote and the full model kept.</summary>
    public const string DraftColour = "#c6efce";

    /// <summary>Colour of a token the full model wrote (correction or bonus).</summary>
    public const string TargetColour = "#d9b8f0";

    /// <summary>Colour of the marker where drafting stopped early.</summary>
    public const string StopColour = "#c00000";

    static string F(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The trace as one strip: the prompt's tail in grey; per round the kept drafts (layer-l exit), the
    /// rejected ones struck through, a red ◆ where the draft's confidence fell below η, then the full model's token;
    /// a border marks the first token of each round.</summary>
    public static TokenStrip Strip(SpeculativeTrace trace, int exitLayer, int layers, double? eta, int promptTail = 10)
    {
        var name = trace.Tokenizer is { } t ? (Func<long, string>)(id => t.TokenText((int)id)) : id => $"[{id}]";
        var m = SpeculativeMetrics.Of(trace);
        int fromDraft = trace.Steps.Sum(s => Math.Min(s.Accepted, s.Emitted));
        var strip = new TokenStrip($"{trace.Drafter}, γ = {trace.Gamma}" + (eta is { } e ? $", η = {F(e)}" : "")
            + $": {trace.Output.Count} tokens, {fromDraft} from the self-draft (layer {exitLayer}), {trace.Output.Count - fromDraft} from the full model (layer {layers}), "
            + $"{m.Rounds} verification calls, {trace.Steps.Count(s => s.DraftStoppedEarly)} early stops");
        foreach (var id in trace.Prompt.Skip(Math.Max(0, trace.Prompt.Count - promptTail)))
            strip.Add(new TokenChip(name(id) + " ", Foreground: "#888", Hover: "prompt"));
        foreach (var step in trace.Steps)
        {
            bool first = true;
            string? Border() { var b = first ? "#555" : null; first = false; return b; }
            for (int i = 0; i < step.Drafted.Count; i++)
            {
                var d = step.Drafted[i];
                bool kept = d.Verdict is Verdict.Accepted or Verdict.JudgeAccepted;
                if (kept && i >= step.Emitted) continue; // after the end token: never output
                strip.Add(new TokenChip(name(d.Token) + " ", kept ? DraftColour : SpeculativeViews.Colour(d.Verdict),
                    $"self-draft: layers 0..{exitLayer - 1} + adapter + head (exit at layer {exitLayer})\n{SpeculativeViews.Hover(d, name)}",
                    Struck: !kept, Foreground: kept ? null : "#777", Border: Border()));
            }
            if (step.DraftStoppedEarly)
                strip.Add(new TokenChip("◆ ", Foreground: StopColour, Border: Border(),
                    Hover: $"second early exit: the draft's top-1 probability for the next token fell below η = {F(eta ?? 0)}, so drafting stopped after {step.Drafted.Count}"));
            if (step.Emitted > step.Accepted)
                strip.Add(new TokenChip(name(step.Next) + " ", TargetColour,
                    $"full model (all {layers} layers): {SpeculativeViews.Label(step.NextVerdict)}\ntarget p = {F(step.NextP)}", Border: Border()));
        }
        strip.Legend($"self-draft (layer {exitLayer}), kept", DraftColour)
             .Legend("self-draft, rejected", SpeculativeViews.Colour(Verdict.Rejected))
             .Legend($"full model (layer {layers})", TargetColour)
             .Legend("◆ drafting stopped early (confidence < η)", StopColour);
        return strip;
    }
}
