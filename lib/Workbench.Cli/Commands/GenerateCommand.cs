using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Decoding;
using Workbench.Models.Transformer;
using Workbench.Torch;
using Workbench.Training;

namespace Workbench.Cli.Commands;

/// <summary><c>workbench generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) [--max-new N] [--greedy] [--json FILE]</c>:
/// generates with a shipped checkpoint (by name) or any Hugging Face Llama-family checkpoint directory.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint directory, or the name of a shipped checkpoint in data/checkpoints", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (needs a tokenizer in the checkpoint)" };
        var promptIds = new Option<string?>("--prompt-ids") { Description = "Prompt as comma-separated token ids (no tokenizer needed)" };
        var maxNew = new Option<int>("--max-new") { Description = "Tokens to generate", DefaultValueFactory = _ => 32 };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy decoding (default: sampling at --temperature)" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Sample from the k most likely tokens (0 = all)" };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Write prompt_ids and generated_ids (and text) to this JSON file" };
        var command = new Command("generate", "Generate text with a shipped or Hugging Face Llama-family checkpoint")
        {
            model, prompt, promptIds, maxNew, greedy, temperature, topK, topP, seed, json,
        };
        command.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(prompt), parse.GetValue(promptIds), parse.GetValue(maxNew),
            parse.GetValue(greedy) ? SamplingOptions.Greedy : new SamplingOptions(parse.GetValue(temperature), parse.GetValue(topK), parse.GetValue(topP), parse.GetValue(seed)),
            parse.GetValue(json)));
        return command;
    }

    static int Run(string modelArg, string? prompt, string? promptIds, int maxNew, SamplingOptions sampling, string? jsonPath)
    {
        if ((prompt == null) == (promptIds == null)) throw new UserError("give exactly one of --prompt and --prompt-ids");
        if (maxNew < 1) throw new UserError("--max-new must be at least 1");
        try { sampling.Validate(); } catch (ArgumentException e) { throw new UserError(e.Message); }
        var dir = Directory.Exists(modelArg) || modelArg.Contains('/') ? modelArg
            : CheckpointStore.Exists(modelArg) ? CheckpointStore.FolderOf(modelArg) : modelArg;

        TransformerLM model;
        Text.ITokenizer? tokenizer;
        try
        {
            model = LlamaCheckpoint.Load(dir);
            tokenizer = Text.TokenizerFiles.TryLoad(dir);
        }
        catch (CheckpointException e) { throw new UserError(e.Message); }
        catch (Text.TokenizerException e) { throw new UserError(e.Message); }
        if (tokenizer != null && tokenizer.VocabularySize > model.Config.VocabSize)
            throw new UserError($"mismatched vocabularies: the tokenizer has {tokenizer.VocabularySize} tokens, the model {model.Config.VocabSize}");

        long[] ids;
        if (promptIds != null)
        {
            try { ids = promptIds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray(); }
            catch (FormatException) { throw new UserError($"--prompt-ids must be comma-separated integers (got '{promptIds}')"); }
        }
        else
        {
            if (tokenizer == null) throw new UserError($"{dir} has no tokenizer file; pass --prompt-ids instead");
            try { ids = tokenizer.Encode(prompt!).Select(i => (long)i).ToArray(); }
            catch (Text.TokenizerException e) { throw new UserError(e.Message); }
        }

        GenerationResult result;
        var stop = tokenizer != null ? Text.TokenizerFiles.StopId(tokenizer) : null;
        try { result = Autoregressive.Generate(model, ids, maxNew, sampling, stop); }
        catch (ArgumentException e) { throw new UserError(e.Message); }

        var text = tokenizer?.Decode(result.Generated.Select(i => (int)i));
        Console.WriteLine(text ?? string.Join(",", result.Generated));
        Console.Error.WriteLine($"{result.Generated.Count} tokens, {result.Cost["target"].Wall.TotalSeconds:0.00} s ({result.Generated.Count / Math.Max(1e-9, result.Cost["target"].Wall.TotalSeconds):0} tok/s)");
        if (jsonPath != null)
        {
            var doc = new JsonObject
            {
                ["model"] = Path.GetFullPath(dir),
                ["prompt_ids"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray()),
                ["generated_ids"] = new JsonArray(result.Generated.Select(i => (JsonNode)i).ToArray()),
                ["greedy"] = sampling.IsGreedy,
            };
            if (text != null) doc["text"] = text;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
            File.WriteAllText(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }
}
