using Microsoft.DotNet.Interactive.Formatting;
using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Text;

namespace Workbench.Tests.Speculative;

public class ViewsAndSpeedTests
{
    static readonly Workbench.Models.Transformer.TransformerLM Target = SpeculativeTests.RandomModel(2, 32, 21);
    static readonly Workbench.Models.Transformer.TransformerLM Draft = SpeculativeTests.RandomModel(1, 16, 22);
    static readonly WordTokenizer Names = WordTokenizer.Create(Enumerable.Range(0, 40 - WordTokenizer.Specials.Count).Select(i => $"w{i}"));

    static SpeculativeTrace Trace(int gamma = 3)
    {
        using var drafter = new ModelDrafter(Draft, 64);
        using var session = new SpeculativeSession(Target, drafter, new GreedyVerifier(), new long[] { 7, 8, 9 }, new SpeculativeOptions(gamma, MaxNew: 16), Names);
        return session.Run();
    }

    [Fact]
    public void MetricsCountTokensCallsAndAcceptanceByPosition()
    {
        var t = Trace();
        var m = SpeculativeMetrics.Of(t);
        Assert.Equal(16, m.Emitted);
        Assert.Equal(t.Steps.Count, m.Rounds);
        Assert.Equal(16.0 / t.Steps.Count, m.MeanTokensPerTargetCall);
        Assert.Equal(t.Steps.Sum(s => s.Accepted), m.Accepted);
        Assert.Equal(m.Accepted / (double)m.Drafted, m.AcceptanceRate);
        // Position 0 is accepted at least as often as position 2 (a later token needs every earlier one).
        Assert.True(m.AcceptanceByPosition[0] >= m.AcceptanceByPosition[^1] || double.IsNaN(m.AcceptanceByPosition[^1]));
        Assert.Equal(t.Steps.Sum(s => s.Cost.DraftCalls), m.DraftCalls);
        Assert.Equal(t.Cost["draft"].Calls, m.DraftCalls);
    }

    [Fact]
    public void StripsShowVerdictsHoverAndTokenNames()
    {
        var t = Trace();
        var html = t.Steps[0].ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("round 1:", html);
        Assert.Contains("draft q = ", html);
        Assert.Contains(Names.TokenText((int)t.Steps[0].Next), html);
        var traceHtml = t.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("tokens in", traceHtml);
        Assert.Contains("Plotly.newPlot", traceHtml); // the round scrubber
        Assert.Equal(t.Steps.Count, SpeculativeViews.RoundScrubber(t, Names).StepCount);
    }

    [Fact]
    public void SpeedReportRelatesMeasuredAndModelledSpeedups()
    {
        var prompts = new[] { new long[] { 1, 2 }, new long[] { 5, 6, 7 }, new long[] { 9 } };
        var run = SideBySide.Run(Target, () => new ModelDrafter(Draft, 64), new GreedyVerifier(), prompts, new SpeculativeOptions(3, MaxNew: 12));
        Assert.True(run.Identical);
        var s = run.Speed;
        Assert.True(s.ArMsPerToken > 0 && s.SpecMsPerToken > 0);
        Assert.Equal(s.ArMsPerToken / s.SpecMsPerToken, s.MeasuredSpeedup, 9);
        Assert.Equal(s.Metrics.MeanTokensPerTargetCall / (1 + s.Metrics.MeanDrafted * s.CostRatio), s.ModelledSpeedup, 9);
        Assert.True(s.CostRatio > 0);
        Assert.Equal(36, run.Speculative.Sum(t => t.Output.Count));
    }
}
