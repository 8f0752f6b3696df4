using System.Text.Json.Nodes;
using Workbench.Cost;
using Workbench.Models.Transformer;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Decoding;

/// <summary><c>workbench bench decode</c>: prefill and greedy KV-cache decode of the shipped target in TorchSharp and
/// in PyTorch eager (same weights, same algorithm, same thread count), measured side by side in one run.</summary>
public sealed class DecodeBenchmark : IBenchmark
{
    /// <summary>The checkpoint measured (the shipped target).</summary>
    public static string Checkpoint { get; set; } = LmPresetNames.Target;

    /// <inheritdoc/>
    public string Name => "decode";

    /// <inheritdoc/>
    public string Description => "prefill and KV-cache decode of the shipped target: TorchSharp vs PyTorch eager, same weights and threads";

    /// <inheritdoc/>
    public JsonObject Run(bool quick)
    {
        int promptLen = quick ? 16 : 32, newTokens = quick ? 16 : 128, repeats = quick ? 1 : 3;
        var dir = CheckpointStore.FolderOf(Checkpoint);
        var model = LlamaCheckpoint.Load(dir);
        int threads = get_num_threads();
        if (!PyTorchPeer.Available) throw new InvalidOperationException($"{PyTorchPeer.Interpreter} with torch is needed for this benchmark (apt-get install python3-torch)");
        var peer = PyTorchPeer.RunReference("bench", dir, "--prompt-len", $"{promptLen}", "--new", $"{newTokens}",
            "--threads", $"{threads}", "--repeats", $"{repeats}");
        var prompt = peer["prompt"]!.AsArray().Select(x => (long)x!).ToArray();

        GenerationResult? best = null;
        double bestDecode = double.MaxValue, bestPrefill = double.MaxValue;
        Autoregressive.Generate(model, prompt, 4); // warm-up
        for (int r = 0; r < repeats; r++)
        {
            var g = Autoregressive.Generate(model, prompt, newTokens);
            double decode = (g.Cost["target"].Wall - g.Prefill).TotalSeconds;
            bestDecode = Math.Min(bestDecode, decode);
            bestPrefill = Math.Min(bestPrefill, g.Prefill.TotalSeconds);
            best = g;
        }
        double ours = (newTokens - 1) / bestDecode, theirs = (double)peer["decode_tokens_per_s"]!;
        double oursPrefill = promptLen / bestPrefill, theirsPrefill = (double)peer["prefill_tokens_per_s"]!;
        var peerIds = peer["generated"]!.AsArray().Select(x => (long)x!).ToList();
        return new JsonObject
        {
            ["checkpoint"] = Checkpoint,
            ["parameters"] = model.Config.ParameterCount,
            ["threads"] = threads,
            ["prompt_tokens"] = promptLen,
            ["new_tokens"] = newTokens,
            ["torchsharp_tokens_per_s"] = Math.Round(ours, 1),
            ["pytorch_tokens_per_s"] = Math.Round(theirs, 1),
            ["ratio"] = Math.Round(ours / theirs, 3),
            ["torchsharp_prefill_tokens_per_s"] = Math.Round(oursPrefill, 1),
            ["pytorch_prefill_tokens_per_s"] = Math.Round(theirsPrefill, 1),
            ["prefill_ratio"] = Math.Round(oursPrefill / theirsPrefill, 3),
            ["greedy_identical"] = best!.Generated.SequenceEqual(peerIds),
            ["pytorch_version"] = (string?)peer["torch"],
        };
    }
}
