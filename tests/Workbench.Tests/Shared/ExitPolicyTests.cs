using Workbench.EarlyExit;

namespace Workbench.Tests.Shared;

public class ExitPolicyTests
{
    static ExitSignal[] Exits(params (int pred, double conf)[] xs) =>
        xs.Select((x, i) => new ExitSignal(i, x.pred, x.conf)).ToArray();

    [Fact]
    public void ConfidenceStopsAtTheFirstConfidentExitAndTheLastExitAlwaysAnswers()
    {
        var exits = Exits((3, 0.4), (3, 0.95), (1, 0.99));
        Assert.Equal(1, ExitDecision.FirstExit(new ConfidencePolicy(0.9), exits));
        Assert.Equal(2, ExitDecision.FirstExit(new ConfidencePolicy(0.999), exits));
    }

    [Fact]
    public void PatienceNeedsConsecutiveAgreement()
    {
        var exits = Exits((1, 0), (2, 0), (2, 0), (2, 0), (5, 0));
        Assert.Equal(2, ExitDecision.FirstExit(new PatiencePolicy(2), exits));
        Assert.Equal(3, ExitDecision.FirstExit(new PatiencePolicy(3), exits));
        Assert.Equal(4, ExitDecision.FirstExit(new PatiencePolicy(5), exits));
    }

    [Fact]
    public void SimilarityNeverExitsAtTheFirstExitAndMissingSignalsAreErrors()
    {
        var exits = new[] { new ExitSignal(0, Similarity: 1.0), new ExitSignal(1, Similarity: 0.99), new ExitSignal(2, Similarity: 0.5) };
        Assert.Equal(1, ExitDecision.FirstExit(new SimilarityPolicy(0.98), exits));
        Assert.Throws<InvalidOperationException>(() => ExitDecision.FirstExit(new UncertaintyPolicy(0.1), exits));
    }
}
