using System.Diagnostics;
using Workbench.Cost;
using Workbench.Models.Transformer;
using static TorchSharp.torch;

namespace Workbench.Decoding;

/// <summary>Tokens generated one target call at a time, with what it cost.</summary>
/// <param name="Prefill">Wall time of the first call (the prompt), which is also included in <paramref name="Cost"/>.</param>
public sealed record GenerationResult(IReadOnlyList<long> Prompt, IReadOnlyList<long> Generated, CostLedger Cost, bool StoppedAtEos,
    TimeSpan Prefill);

/// <summary>Plain autoregressive decoding with a KV cache: prefill the prompt, then one token per forward call.
/// The baseline every speculative method is measured against.</summary>
public static class Autoregressive
{
    /// <summary>Generates up to <paramref name="maxNew"/> tokens (stopping after <paramref name="eos"/> if given).
    /// Cost is recorded under the role "target".</summary>
    public static GenerationResult Generate(TransformerLM model, IReadOnlyList<long> prompt, int maxNew,
        SamplingOptions? sampling = null, long? eos = null, string role = "target")
    {
        var s = (sampling ?? SamplingOptions.Greedy).Validate();
        if (prompt.Count == 0) throw new ArgumentException("the prompt needs at least one token");
        var vocab = model.Config.VocabSize;
        var bad = prompt.FirstOrDefault(id => id < 0 || id >= vocab, -1);
        if (bad != -1) throw new ArgumentException($"token id {bad} is outside the model's vocabulary (0..{vocab - 1})");
        if (prompt.Count + maxNew > model.Config.MaxSeqLen)
            throw new ArgumentException($"prompt ({prompt.Count}) + {maxNew} new tokens exceed the model's {model.Config.MaxSeqLen} positions");

        using var _ = no_grad();
        using var cache = model.NewCache(capacity: prompt.Count + maxNew);
        var generator = s.IsGreedy ? null : new Generator((ulong)s.Seed);
        var ledger = new CostLedger();
        var generated = new List<long>(maxNew);
        bool stopped = false;
        var prefill = TimeSpan.Zero;
        var input = prompt.ToArray();
        while (generated.Count < maxNew)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            int context = cache.Length + input.Length;
            var logits = model.Forward(tensor(input).unsqueeze(0), cache).select(1, -1); // [1, V]
            long next = s.IsGreedy ? logits.argmax(-1).item<long>()
                : multinomial(s.Probabilities(logits), 1, generator: generator).item<long>();
            ledger.Add(role, model.Config.Layers, ForwardFlops(model.Config, input.Length, context), input.Length, clock.Elapsed);
            if (generated.Count == 0) prefill = clock.Elapsed;
            generated.Add(next);
            if (eos == next) { stopped = true; break; }
            input = new[] { next };
        }
        generator?.Dispose();
        return new GenerationResult(prompt.ToList(), generated, ledger, stopped, prefill);
    }

    /// <summary>FLOPs of one forward call: <paramref name="tokens"/> new tokens through every block plus the head,
    /// attending over <paramref name="context"/> positions.</summary>
    public static double ForwardFlops(TransformerConfig c, long tokens, long context) =>
        c.Layers * c.BlockFlops(tokens, context) + c.HeadFlops(tokens);
}
