using Workbench.Decoding;
using Workbench.Decoding.Speculative;
using Workbench.Stats;
using static TorchSharp.torch;

namespace Workbench.Tests.Speculative;

public class LosslessnessTests
{
    static readonly Workbench.Models.Transformer.TransformerLM Target = SpeculativeTests.RandomModel(2, 16, 11, vocab: 8);
    static readonly Workbench.Models.Transformer.TransformerLM Draft = SpeculativeTests.RandomModel(1, 16, 12, vocab: 8);
    static readonly long[] Prompt = { 1, 5, 2 };
    static readonly SamplingOptions Sampling = new(Temperature: 1.0, Seed: 7);

    [Fact]
    public void ChiSquarePValuesMatchKnownValues()
    {
        Assert.Equal(0.05, ChiSquare.UpperRegularizedGamma(3 / 2.0, 7.815 / 2), 3);  // df 3, critical value at 5%
        Assert.Equal(0.01, ChiSquare.UpperRegularizedGamma(7 / 2.0, 18.475 / 2), 3); // df 7, at 1%
        Assert.Equal(Math.Log(24), ChiSquare.LogGamma(5), 10);
    }

    [Fact]
    public void SpeculativeSamplingReproducesTheTargetDistribution()
    {
        var report = Losslessness.Check(Target, () => new ModelDrafter(Draft, 16), new SpeculativeSamplingVerifier(), Prompt, 3000, Sampling);
        Assert.True(report.First.Test.PValue > 0.01, $"first token: chi2 {report.First.Test.Statistic:0.0}, p {report.First.Test.PValue:0.0000}");
        Assert.True(report.Second.Test.PValue > 0.01, $"second token: chi2 {report.Second.Test.Statistic:0.0}, p {report.Second.Test.PValue:0.0000}");
        // The draft really differs from the target here, so acceptance had work to do.
        var (p1, _) = Losslessness.ExactTwoTokenDistributions(Draft, Prompt, Sampling);
        Assert.True(p1.Zip(report.First.Expected).Sum(x => Math.Abs(x.First - x.Second)) > 0.3);
    }

    /// <summary>Resamples from p instead of the residual norm(max(0, p − q)) after a rejection: a classic bug.</summary>
    sealed class ResampleFromTargetVerifier : IVerifier
    {
        public string Name => "broken: resample from p";
        public bool Lossless => false;
        public Verification Verify(VerifyInput input)
        {
            for (int i = 0; i < input.Draft.Length; i++)
            {
                long x = input.Draft[i];
                if (VerifierMath.Uniform(input.Random) < Math.Min(1.0, input.P[i, x].item<float>() / input.Q[i, x].item<float>())) continue;
                return new Verification(i, VerifierMath.Sample(input.P[i], input.Random),
                    VerifierMath.Verdicts(input.Draft.Length, Enumerable.Repeat(Verdict.Accepted, i).ToList(), true), Verdict.Resampled);
            }
            return new Verification(input.Draft.Length, VerifierMath.Sample(input.P[^1], input.Random),
                VerifierMath.Verdicts(input.Draft.Length, Enumerable.Repeat(Verdict.Accepted, input.Draft.Length).ToList(), false), Verdict.Bonus);
        }
    }

    [Fact]
    public void ABrokenVerifierIsCaught()
    {
        var report = Losslessness.Check(Target, () => new ModelDrafter(Draft, 16), new ResampleFromTargetVerifier(), Prompt, 3000, Sampling);
        Assert.False(report.Consistent, $"first p {report.First.Test.PValue}, second p {report.Second.Test.PValue}");
    }
}
