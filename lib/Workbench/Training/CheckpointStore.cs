using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Training;

/// <summary>How a shipped checkpoint was made and how good it is: written next to the weights as card.json.</summary>
/// <param name="Name">Checkpoint name (its folder under data/checkpoints).</param>
/// <param name="Description">One sentence: what the model is and what it is for.</param>
/// <param name="Data">What it was trained on.</param>
/// <param name="Seed">The seed that makes the run repeatable.</param>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="WallSeconds">Training wall time on the machine that made it.</param>
/// <param name="FinalLoss">Mean training loss over the last 5% of steps.</param>
/// <param name="Metrics">Evaluation metrics (name -> value).</param>
/// <param name="Command">The exact command that retrains it.</param>
/// <param name="Parameters">Parameter count.</param>
public sealed record CheckpointCard(string Name, string Description, string Data, long Seed, int Steps, double WallSeconds,
    double FinalLoss, IReadOnlyDictionary<string, double> Metrics, string Command, long Parameters)
{
    /// <summary>The full training recipe (the preset's config), so the card alone says how to remake the checkpoint.</summary>
    public System.Text.Json.Nodes.JsonNode? Recipe { get; init; }

    /// <summary>When and where it was trained (UTC date, machine summary).</summary>
    public string Trained { get; init; } = $"{DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
}

/// <summary>Shipped checkpoints: data/checkpoints/&lt;name&gt;/ = model.safetensors + config.json + card.json, trained
/// by our code (<c>workbench train &lt;preset&gt;</c>) and small enough to keep in the repository.</summary>
public static class CheckpointStore
{
    /// <summary>Overrides where data/ is (default: found by walking up from the current folder or the library).</summary>
    public const string DataVariable = "WORKBENCH_DATA";

    /// <summary>Serializer settings for config.json and card.json (snake_case, as Hugging Face configs are).</summary>
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The data/checkpoints folder of this repository.</summary>
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } d) return Path.Combine(d, "checkpoints");
            return RepoPaths.Root is { } root ? Path.Combine(root, "data", "checkpoints")
                : throw new DirectoryNotFoundException($"data/checkpoints not found above {Directory.GetCurrentDirectory()}; set {DataVariable} to the repository's data folder");
        }
    }

    /// <summary>The folder of a named checkpoint.</summary>
    public static string FolderOf(string name) => Path.Combine(Root, name);

    /// <summary>True when the named checkpoint has its weights, config and card.</summary>
    public static bool Exists(string name)
    {
        try
        {
            var dir = FolderOf(name);
            return File.Exists(Path.Combine(dir, "model.safetensors")) && File.Exists(Path.Combine(dir, "config.json"));
        }
        catch (DirectoryNotFoundException) { return false; }
    }

    /// <summary>Writes weights, config and card (weights last-moved into place, so a failed save leaves no partial checkpoint).
    /// Floating weights are stored as <paramref name="storeAs"/> when given (computation stays float32).</summary>
    public static void Save<TConfig>(string name, nn.Module module, TConfig config, CheckpointCard card, ScalarType? storeAs = null)
    {
        var dir = FolderOf(name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(config, Json));
        File.WriteAllText(Path.Combine(dir, "card.json"), JsonSerializer.Serialize(card, Json));
        ModelCache.Save(module, Path.Combine(dir, "model.safetensors"), new Dictionary<string, string> { ["format"] = "pt", ["name"] = name }, storeAs);
    }

    /// <summary>Writes (or rewrites) a checkpoint's card.json.</summary>
    public static void WriteCard(CheckpointCard card)
    {
        var dir = FolderOf(card.Name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "card.json"), JsonSerializer.Serialize(card, Json));
    }

    /// <summary>Reads a checkpoint's config.</summary>
    public static TConfig LoadConfig<TConfig>(string name)
    {
        var path = Path.Combine(FolderOf(name), "config.json");
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found (train it with 'workbench train', see the README)");
        try { return JsonSerializer.Deserialize<TConfig>(File.ReadAllText(path), Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not a valid config ({e.Message.Split('\n')[0]})"); }
    }

    /// <summary>Reads a checkpoint's card.</summary>
    public static CheckpointCard LoadCard(string name)
    {
        var path = Path.Combine(FolderOf(name), "card.json");
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found");
        return JsonSerializer.Deserialize<CheckpointCard>(File.ReadAllText(path), Json) ?? throw new CheckpointException($"{path}: empty card");
    }

    /// <summary>Loads a checkpoint's weights into a module built from its config.</summary>
    public static void LoadWeights(string name, nn.Module module) =>
        ModelCache.Load(module, Path.Combine(FolderOf(name), "model.safetensors"));

    /// <summary>The card as a JSON object (for notebooks and reports).</summary>
    public static JsonObject CardJson(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(FolderOf(name), "card.json")))!.AsObject();
}
