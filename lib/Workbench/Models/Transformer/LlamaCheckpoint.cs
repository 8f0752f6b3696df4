using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Models.Transformer;

/// <summary>The Hugging Face config.json fields of a Llama-family model (the layout our own checkpoints use too).</summary>
public sealed record HfLlamaConfig(
    [property: JsonPropertyName("model_type")] string ModelType,
    [property: JsonPropertyName("architectures")] string[] Architectures,
    [property: JsonPropertyName("vocab_size")] int VocabSize,
    [property: JsonPropertyName("hidden_size")] int HiddenSize,
    [property: JsonPropertyName("intermediate_size")] int IntermediateSize,
    [property: JsonPropertyName("num_hidden_layers")] int NumHiddenLayers,
    [property: JsonPropertyName("num_attention_heads")] int NumAttentionHeads,
    [property: JsonPropertyName("num_key_value_heads")] int NumKeyValueHeads,
    [property: JsonPropertyName("max_position_embeddings")] int MaxPositionEmbeddings,
    [property: JsonPropertyName("rope_theta")] double RopeTheta,
    [property: JsonPropertyName("rms_norm_eps")] double RmsNormEps,
    [property: JsonPropertyName("tie_word_embeddings")] bool TieWordEmbeddings,
    [property: JsonPropertyName("hidden_act")] string HiddenAct = "silu",
    [property: JsonPropertyName("torch_dtype")] string TorchDtype = "float32")
{
    /// <summary>The HF config of one of our models.</summary>
    public static HfLlamaConfig From(TransformerConfig c, string dtype = "float32") => new(
        "llama", new[] { "LlamaForCausalLM" }, c.VocabSize, c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KvHeads,
        c.MaxSeqLen, c.RopeTheta, c.NormEps, c.TiedEmbeddings, "silu", dtype);
}

/// <summary>Loads and saves Llama-family checkpoints in the Hugging Face layout: config.json + model.safetensors (or
/// shards listed in model.safetensors.index.json). F32/F16/BF16 weights are computed in float32. Pickle files
/// (pytorch_model.bin, *.pt) are never loaded. Every failure is a <see cref="CheckpointException"/> naming the file or
/// tensor.</summary>
public static class LlamaCheckpoint
{
    /// <summary>Rotary tables beyond this many positions are not built (a KV cache is sized per generation anyway).</summary>
    public const int MaxPositionsBuilt = 8192;

    /// <summary>Reads config.json and maps it onto a <see cref="TransformerConfig"/>, refusing what we cannot run.</summary>
    public static TransformerConfig ReadConfig(string dir)
    {
        if (!Directory.Exists(dir)) throw new CheckpointException($"{dir}: no such checkpoint directory");
        var path = Path.Combine(dir, "config.json");
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found (a checkpoint needs config.json)");
        JsonObject c;
        try { c = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not valid JSON ({e.Message.Split('\n')[0]})"); }

        var type = (string?)c["model_type"];
        if (type is not ("llama" or "mistral"))
            throw new CheckpointException($"{path}: unsupported architecture '{type ?? "(none)"}' (supported: llama-family decoder-only models)");
        if (c["hidden_act"] is JsonNode act && (string?)act is not ("silu" or "swish"))
            throw new CheckpointException($"{path}: unsupported activation '{(string?)act}' (SwiGLU with silu only)");
        if (c["rope_scaling"] is JsonObject scaling && (string?)(scaling["rope_type"] ?? scaling["type"]) is { } st && st != "default")
            throw new CheckpointException($"{path}: unsupported rope_scaling '{st}'");
        if ((bool?)c["attention_bias"] == true || (bool?)c["mlp_bias"] == true)
            throw new CheckpointException($"{path}: attention or MLP biases are not supported");
        if (c["sliding_window"] is JsonNode sw && sw.GetValueKind() == JsonValueKind.Number)
            throw new CheckpointException($"{path}: sliding-window attention is not supported");
        try
        {
            int hidden = Need(c, "hidden_size", path), heads = Need(c, "num_attention_heads", path);
            if (c["head_dim"] is JsonNode hd && (int)hd != hidden / heads)
                throw new CheckpointException($"{path}: head_dim {(int)hd} differs from hidden_size/num_attention_heads");
            var config = new TransformerConfig(
                VocabSize: Need(c, "vocab_size", path), Dim: hidden, Layers: Need(c, "num_hidden_layers", path), Heads: heads,
                KvHeads: (int?)c["num_key_value_heads"] ?? heads, HiddenDim: Need(c, "intermediate_size", path),
                MaxSeqLen: Math.Min((int?)c["max_position_embeddings"] ?? 2048, MaxPositionsBuilt),
                RopeTheta: (double?)c["rope_theta"] ?? 10000.0, NormEps: (double?)c["rms_norm_eps"] ?? 1e-6,
                TiedEmbeddings: (bool?)c["tie_word_embeddings"] ?? false);
            return config.Validate();
        }
        catch (ArgumentException e) { throw new CheckpointException($"{path}: {e.Message}"); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"{path}: a size field has the wrong type ({e.Message.Split('\n')[0]})");
        }
    }

    static int Need(JsonObject c, string key, string path) =>
        (int?)c[key] ?? throw new CheckpointException($"{path}: missing '{key}'");

    /// <summary>The safetensors files of a checkpoint, with the tensors each holds (one file or an index of shards).</summary>
    public static IReadOnlyList<string> WeightFiles(string dir)
    {
        var single = Path.Combine(dir, "model.safetensors");
        var index = Path.Combine(dir, "model.safetensors.index.json");
        if (File.Exists(single)) return new[] { single };
        if (File.Exists(index))
        {
            JsonObject map;
            try { map = JsonNode.Parse(File.ReadAllText(index))!["weight_map"]!.AsObject(); }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException)
            {
                throw new CheckpointException($"{index}: not a valid safetensors index (needs a weight_map)");
            }
            var files = map.Select(kv => (string?)kv.Value).Distinct().Select(f => Path.Combine(dir, f ?? "")).ToList();
            foreach (var f in files)
                if (!File.Exists(f)) throw new CheckpointException($"{f}: shard listed in model.safetensors.index.json is missing");
            return files;
        }
        var pickle = new[] { "pytorch_model.bin", "model.pt", "model.bin" }.FirstOrDefault(f => File.Exists(Path.Combine(dir, f)));
        if (pickle != null)
            throw new CheckpointException($"{Path.Combine(dir, pickle)}: pickle checkpoints are never loaded (they can run code); convert it to safetensors");
        throw new CheckpointException($"{dir}: no model.safetensors or model.safetensors.index.json");
    }

    /// <summary>Builds the model from config.json and loads every tensor it needs, checking names and shapes.</summary>
    public static TransformerLM Load(string dir)
    {
        var config = ReadConfig(dir);
        var files = WeightFiles(dir); // before building the model: fail fast on missing weights
        TorchRuntime.EnsureLoaded();
        var model = new TransformerLM(config);
        var expected = model.state_dict();
        var seen = new HashSet<string>();
        foreach (var file in files)
        {
            var (entries, _, _) = Safetensors.ReadHeader(file);
            var wanted = entries.Select(e => e.Name).Where(expected.ContainsKey).ToList();
            foreach (var e in entries.Where(e => expected.ContainsKey(e.Name)))
                if (!e.Shape.SequenceEqual(expected[e.Name].shape))
                    throw new CheckpointException($"{file}: tensor '{e.Name}' has shape [{string.Join(",", e.Shape)}] but config.json implies [{string.Join(",", expected[e.Name].shape)}]");
            var loaded = Safetensors.Load(file, wanted, ScalarType.Float32);
            using (no_grad())
                foreach (var (name, t) in loaded)
                {
                    expected[name].copy_(t);
                    t.Dispose();
                    seen.Add(name);
                }
        }
        var missing = expected.Keys.FirstOrDefault(k => !seen.Contains(k));
        if (missing != null) throw new CheckpointException($"{dir}: tensor '{missing}' is missing from the weights");
        model.eval();
        return model;
    }

    /// <summary>Writes config.json and model.safetensors in the Hugging Face layout.</summary>
    public static void Save(string dir, TransformerLM model, ScalarType storeAs = ScalarType.Float32)
    {
        Directory.CreateDirectory(dir);
        var dtype = storeAs switch { ScalarType.Float16 => "float16", ScalarType.BFloat16 => "bfloat16", _ => "float32" };
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(HfLlamaConfig.From(model.Config, dtype), CheckpointStore.Json));
        ModelCache.Save(model, Path.Combine(dir, "model.safetensors"), new Dictionary<string, string> { ["format"] = "pt" },
            storeAs == ScalarType.Float32 ? null : storeAs);
    }
}
