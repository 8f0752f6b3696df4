using Workbench.Models.Transformer;
using Workbench.Stats;
using static TorchSharp.torch;

namespace Workbench.Decoding.Speculative;

/// <summary>An empirical check that a verifier keeps the target's distribution: generate two tokens many times with
/// speculative decoding and compare the first- and second-token frequencies with the target's exact distributions.</summary>
public static class Losslessness
{
    /// <summary>Observed counts, exact probabilities and the chi-square test, for one token position.</summary>
    public sealed record Position(long[] Observed, double[] Expected, ChiSquare.Result Test);

    /// <summary>The check's outcome for the first and second generated token.</summary>
    public sealed record Report(string Verifier, int Samples, Position First, Position Second)
    {
        /// <summary>True when neither position's test rejects the target's distribution at the 1% level.</summary>
        public bool Consistent => First.Test.PValue > 0.01 && Second.Test.PValue > 0.01;
    }

    /// <summary>Runs <paramref name="samples"/> three-token speculative generations (γ = 2, so the first round drafts two
    /// tokens and both drafted positions are verified; sampling at
    /// <paramref name="sampling"/>; each with its own seed) and tests the token frequencies.</summary>
    public static Report Check(TransformerLM target, Func<IDrafter> newDrafter, IVerifier verifier, IReadOnlyList<long> prompt,
        int samples, SamplingOptions sampling)
    {
        int v = target.Config.VocabSize;
        var first = new long[v];
        var second = new long[v * v]; // joint counts, marginalised below
        for (int s = 0; s < samples; s++)
        {
            using var drafter = newDrafter();
            using var session = new SpeculativeSession(target, drafter, verifier, prompt,
                new SpeculativeOptions(Gamma: 2, Sampling: sampling with { Seed = sampling.Seed * 1_000_003 + s }, MaxNew: 3));
            var output = session.Run().Output;
            first[output[0]]++;
            second[output[0] * v + output[1]]++;
        }
        var (p1, p2) = ExactTwoTokenDistributions(target, prompt, sampling);
        var secondObserved = Enumerable.Range(0, v).Select(b => Enumerable.Range(0, v).Sum(a => second[a * v + b])).ToArray();
        return new Report(verifier.Name, samples,
            new Position(first, p1, ChiSquare.Test(first, p1)),
            new Position(secondObserved, p2, ChiSquare.Test(secondObserved, p2)));
    }

    /// <summary>The target's exact distribution of the first token, and of the second marginalised over the first.</summary>
    public static (double[] First, double[] Second) ExactTwoTokenDistributions(TransformerLM target, IReadOnlyList<long> prompt, SamplingOptions sampling)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        int v = target.Config.VocabSize;
        var p1 = sampling.Probabilities(target.Forward(tensor(prompt.ToArray()).unsqueeze(0))[0, -1]);
        // All continuations prompt + a, for every a, in one batch: row a gives p(· | prompt, a).
        var batch = cat(new[] { tensor(prompt.ToArray()).unsqueeze(0).expand(v, prompt.Count), arange(v, dtype: ScalarType.Int64).unsqueeze(1) }, 1);
        var p2Given = sampling.Probabilities(target.Forward(batch).select(1, -1)); // [v, v]
        var p2 = p1.unsqueeze(0).matmul(p2Given)[0];
        return (p1.to_type(ScalarType.Float64).data<double>().ToArray(), p2.to_type(ScalarType.Float64).data<double>().ToArray());
    }
}
