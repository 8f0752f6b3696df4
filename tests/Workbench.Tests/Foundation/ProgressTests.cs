using Workbench.Progress;

namespace Workbench.Tests.Foundation;

public class ProgressTests
{
    sealed class Recorder : IProgressSink
    {
        public List<ProgressUpdate> Updates { get; } = new();
        public void Report(ProgressUpdate update) => Updates.Add(update);
    }

    [Fact]
    public void ReportsStartAdvanceAndFinishToTheRedirectedSink()
    {
        var sink = new Recorder();
        using (ProgressTask.Redirect(sink))
        using (var p = ProgressTask.Start("training", 4))
        {
            p.Advance(detail: "loss 3.2");
            p.Advance(2);
        }
        Assert.Equal(new long[] { 0, 1, 3, 4 }, sink.Updates.Select(u => u.Done));
        Assert.Equal("loss 3.2", sink.Updates[^1].Detail);
        Assert.True(sink.Updates[^1].Finished);
        Assert.Equal(0.75, sink.Updates[2].Fraction);
        Assert.StartsWith("training 100% (4/4) loss 3.2", sink.Updates[^1].ToString());
    }

    [Fact]
    public void RemainingTimeFollowsTheRateSoFar()
    {
        var u = new ProgressUpdate("x", 25, 100, null, TimeSpan.FromSeconds(10), false);
        Assert.Equal(30, u.Remaining!.Value.TotalSeconds, 6);
        Assert.Null((u with { Finished = true }).Remaining);
    }
}
