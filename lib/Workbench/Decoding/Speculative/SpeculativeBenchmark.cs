using System.Text.Json.Nodes;
using Workbench.Cost;
using Workbench.Data.Language;
using Workbench.Models.Transformer;
using Workbench.Training;

namespace Workbench.Decoding.Speculative;

/// <summary><c>workbench bench speculative</c>: greedy speculative decoding with the shipped aligned draft (style A, like
/// the target) on held-out prompts of the synthetic language, against autoregressive decoding of the target in the same
/// run, over a sweep of γ; plus the style-B draft at the default γ, to show what misalignment costs.</summary>
public sealed class SpeculativeBenchmark : IBenchmark
{
    /// <summary>The γ reported at the top level of the JSON.</summary>
    public const int DefaultGamma = 4;

    /// <inheritdoc/>
    public string Name => "speculative";

    /// <inheritdoc/>
    public string Description => "greedy speculative vs autoregressive decoding of the shipped target (held-out prompts, γ sweep, aligned and style-B drafts)";

    /// <inheritdoc/>
    public JsonObject Run(bool quick)
    {
        var target = LmCheckpoints.Target();
        var draft = LmCheckpoints.AlignedDraft();
        var episodes = CorpusSampler.HeldOutEpisodes(Style.A, seed: 99, count: quick ? 6 : 60);
        var prompts = episodes.Select(e => e.PromptIds().Select(i => (long)i).ToArray()).ToList();
        var gammas = quick ? new[] { 2, DefaultGamma } : new[] { 1, 2, 3, 4, 5, 6, 8 };
        var sweep = new JsonArray();
        JsonObject? top = null;
        JsonObject Measure(TransformerLM drafter, int gamma, string label)
        {
            var options = new SpeculativeOptions(gamma, Eos: Lexicon.Tokenizer.EndOfAnswerId, MaxNew: LanguageModelEval.MaxAnswerTokens);
            var run = SideBySide.Run(target, () => new ModelDrafter(drafter, 128), new GreedyVerifier(), prompts, options, label: label);
            var speed = run.Speed;
            return new JsonObject
            {
                ["gamma"] = gamma,
                ["greedy_identical"] = run.Identical,
                ["mean_accepted_tokens"] = Math.Round(speed.Metrics.MeanTokensPerTargetCall, 3),
                ["acceptance_rate"] = Math.Round(speed.Metrics.AcceptanceRate, 3),
                ["speedup_measured"] = Math.Round(speed.MeasuredSpeedup, 3),
                ["speedup_modelled"] = Math.Round(speed.ModelledSpeedup, 3),
                ["speedup_modelled_with_verify_cost"] = Math.Round(speed.ModelledWithVerifyCost, 3),
                ["cost_ratio_c"] = Math.Round(speed.CostRatio, 3),
                ["verify_call_over_decode_call"] = Math.Round(speed.VerifyRatio, 3),
                ["target_calls_ar"] = run.Autoregressive.Sum(g => g.Cost["target"].Calls),
                ["target_calls_spec"] = run.Speculative.Sum(t => t.Cost["target"].Calls),
            };
        }

        foreach (var gamma in gammas)
        {
            var row = Measure(draft, gamma, $"γ = {gamma}");
            sweep.Add(row);
            if (gamma == DefaultGamma) top = (JsonObject)row.DeepClone();
        }
        var misaligned = Measure(LmCheckpoints.Draft(), DefaultGamma, $"style-B draft, γ = {DefaultGamma}");
        misaligned["draft"] = LmPresetNames.Draft;
        top!["target"] = LmPresetNames.Target;
        top["draft"] = LmPresetNames.AlignedDraft;
        top["prompts"] = prompts.Count;
        top["gamma_sweep"] = sweep;
        top["misaligned_draft"] = misaligned;
        return top;
    }
}
