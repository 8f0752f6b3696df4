using System.Text.Json.Nodes;
using Workbench.Models.Transformer;
using Workbench.Tests.Support;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Tests.LM;

/// <summary>Bad checkpoints fail with one line naming the file or tensor: from the loader and from
/// <c>workbench generate</c> (exit code 2, nothing written).</summary>
[Collection(KernelCollection.Name)] // redirects Console.Error
public class CheckpointErrorTests : IDisposable
{
    readonly string _dir = Paths.TempDir("badckpt");

    public void Dispose() => Directory.Delete(_dir, true);

    string Good()
    {
        var dir = Path.Combine(_dir, "good");
        TorchRuntime.Seed(0);
        LlamaCheckpoint.Save(dir, new TransformerLM(new TransformerConfig(40, 32, 2, 4, 2, 64, MaxSeqLen: 64)));
        return dir;
    }

    static string Message(string dir) => Assert.Throws<CheckpointException>(() => LlamaCheckpoint.Load(dir)).Message;

    [Fact]
    public void MissingDirectoryConfigOrWeights()
    {
        Assert.Contains("no such checkpoint directory", Message(Path.Combine(_dir, "absent")));
        var dir = Good();
        File.Delete(Path.Combine(dir, "model.safetensors"));
        Assert.Contains("no model.safetensors or model.safetensors.index.json", Message(dir));
        File.Delete(Path.Combine(dir, "config.json"));
        Assert.Contains("config.json: file not found", Message(dir));
    }

    [Fact]
    public void PickleWeightsAreRefused()
    {
        var dir = Good();
        File.Move(Path.Combine(dir, "model.safetensors"), Path.Combine(dir, "pytorch_model.bin"));
        Assert.Contains("pytorch_model.bin: pickle checkpoints are never loaded", Message(dir));
    }

    [Fact]
    public void UnsupportedArchitectureOrSettings()
    {
        var dir = Good();
        var path = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        config["model_type"] = "gpt2";
        File.WriteAllText(path, config.ToJsonString());
        Assert.Contains("unsupported architecture 'gpt2'", Message(dir));
        config["model_type"] = "llama";
        config["rope_scaling"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4 };
        File.WriteAllText(path, config.ToJsonString());
        Assert.Contains("unsupported rope_scaling 'yarn'", Message(dir));
    }

    [Fact]
    public void MissingOrMisShapedTensorsAreNamed()
    {
        var dir = Good();
        var weights = Path.Combine(dir, "model.safetensors");
        var tensors = Safetensors.Load(weights);
        tensors.Remove("model.layers.1.mlp.up_proj.weight");
        Safetensors.Save(weights, tensors);
        Assert.Contains("tensor 'model.layers.1.mlp.up_proj.weight' is missing", Message(dir));

        tensors["model.layers.1.mlp.up_proj.weight"] = zeros(64, 31);
        Safetensors.Save(weights, tensors);
        Assert.Contains("'model.layers.1.mlp.up_proj.weight' has shape [64,31] but config.json implies [64,32]", Message(dir));
    }

    [Fact]
    public void TruncatedWeightsAreDetected()
    {
        var dir = Good();
        var weights = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        Assert.Contains("lies beyond the end of the file", Message(dir));
    }

    [Fact]
    public async Task GenerateExitsWithCodeTwoAndOneLineAndWritesNothing()
    {
        var dir = Good();
        File.WriteAllText(Path.Combine(dir, "config.json"), "{ not json");
        var json = Path.Combine(_dir, "out.json");
        var stderr = new StringWriter();
        var saved = Console.Error;
        Console.SetError(stderr);
        int code;
        try { code = await Workbench.Cli.Cli.RunAsync(new[] { "generate", "--model", dir, "--prompt-ids", "1,2", "--json", json }); }
        finally { Console.SetError(saved); }
        Assert.Equal(2, code);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("config.json: not valid JSON", line);
        Assert.False(File.Exists(json));
    }

    [Fact]
    public async Task ReproduceWithoutItsCheckpointsExitsWithCodeTwoAndOneLineAndWritesNothing()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "no-data")).FullName;
        var json = Path.Combine(_dir, "reproduce.json");
        var stderr = new StringWriter();
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var savedData = Environment.GetEnvironmentVariable(Workbench.Training.CheckpointStore.DataVariable);
        var savedQuick = Environment.GetEnvironmentVariable(Workbench.RunMode.QuickVariable); // --quick sets it
        Console.SetOut(new StringWriter());
        Console.SetError(stderr);
        Environment.SetEnvironmentVariable(Workbench.Training.CheckpointStore.DataVariable, empty);
        int code;
        try { code = await Workbench.Cli.Cli.RunAsync(new[] { "reproduce", "pyramiddrop", "--quick", "--json", json, "--out", _dir }); }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
            Environment.SetEnvironmentVariable(Workbench.Training.CheckpointStore.DataVariable, savedData);
            Environment.SetEnvironmentVariable(Workbench.RunMode.QuickVariable, savedQuick);
        }
        Assert.Equal(2, code);
        var errors = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("workbench:")).ToList();
        var line = Assert.Single(errors);
        Assert.Contains("vlm-scenes", line);
        Assert.Contains("file not found", line);
        Assert.DoesNotContain("   at ", stderr.ToString()); // no stack trace
        Assert.False(File.Exists(json));
    }

    [Fact]
    public async Task GenerateWritesPromptAndGeneratedIds()
    {
        var dir = Good();
        var json = Path.Combine(_dir, "gen.json");
        var saved = (Console.Out, Console.Error);
        Console.SetOut(new StringWriter());
        Console.SetError(new StringWriter());
        int code;
        try { code = await Workbench.Cli.Cli.RunAsync(new[] { "generate", "--model", dir, "--prompt-ids", "3,1,4", "--max-new", "5", "--greedy", "--json", json }); }
        finally { Console.SetOut(saved.Out); Console.SetError(saved.Error); }
        Assert.Equal(0, code);
        var doc = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(new long[] { 3, 1, 4 }, doc["prompt_ids"]!.AsArray().Select(x => (long)x!));
        var generated = doc["generated_ids"]!.AsArray().Select(x => (long)x!).ToArray();
        Assert.Equal(5, generated.Length);
        var expected = Workbench.Decoding.Autoregressive.Generate(LlamaCheckpoint.Load(dir), new long[] { 3, 1, 4 }, 5).Generated;
        Assert.Equal(expected, generated);
    }
}
