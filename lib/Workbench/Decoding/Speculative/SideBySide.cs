using Workbench.Models.Transformer;
using Workbench.Progress;
using Workbench.Text;

namespace Workbench.Decoding.Speculative;

/// <summary>Autoregressive and speculative decoding of the same prompts, interleaved prompt by prompt in one process
/// so both see the same machine state: the basis of every measured speedup.</summary>
public static class SideBySide
{
    /// <summary>Both runs for every prompt (same sampling settings, end token and budget).</summary>
    public sealed record Result(IReadOnlyList<GenerationResult> Autoregressive, IReadOnlyList<SpeculativeTrace> Speculative)
    {
        /// <summary>True when each speculative output equals the autoregressive one (expected under greedy decoding
        /// with a lossless verifier).</summary>
        public bool Identical => Autoregressive.Zip(Speculative).All(p => p.First.Generated.SequenceEqual(p.Second.Output));

        /// <summary>Measured against modelled speedup.</summary>
        public SpeedReport Speed => SpeedModel.Compare(Autoregressive, Speculative);
    }

    /// <summary>Runs both decoders on every prompt.</summary>
    public static Result Run(TransformerLM target, Func<IDrafter> newDrafter, IVerifier verifier, IReadOnlyList<long[]> prompts,
        SpeculativeOptions options, ITokenizer? tokenizer = null, string label = "decoding side by side")
    {
        var ar = new List<GenerationResult>(prompts.Count);
        var spec = new List<SpeculativeTrace>(prompts.Count);
        using var progress = ProgressTask.Start(label, prompts.Count);
        foreach (var prompt in prompts)
        {
            ar.Add(Autoregressive.Generate(target, prompt, options.MaxNew, options.Sampling, options.Eos));
            using var drafter = newDrafter();
            using var session = new SpeculativeSession(target, drafter, verifier, prompt, options, tokenizer);
            spec.Add(session.Run());
            progress.Advance();
        }
        return new Result(ar, spec);
    }
}
