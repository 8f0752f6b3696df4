using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Training;

/// <summary>Caches trained weights on disk so a notebook re-run after the first takes seconds. Entries are keyed by a
/// name and a hash of the training config, so changing any setting retrains. The folder is WORKBENCH_CACHE, else
/// ~/.cache/workbench; delete it to start over.</summary>
public static class ModelCache
{
    /// <summary>Bumped when a change to training code should invalidate every cached model.</summary>
    public const int CodeVersion = 1;

    /// <summary>Where cached weights live.</summary>
    public static string Folder => Environment.GetEnvironmentVariable("WORKBENCH_CACHE") is { Length: > 0 } dir
        ? dir
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "workbench");

    /// <summary>The cache file for a name and config: name-hash.safetensors.</summary>
    public static string PathFor(string name, object config)
    {
        var json = JsonSerializer.Serialize(config, config.GetType()) + "|v" + CodeVersion;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16].ToLowerInvariant();
        return Path.Combine(Folder, $"{name}-{hash}.safetensors");
    }

    /// <summary>Loads cached weights into <paramref name="module"/> if present; else runs <paramref name="train"/> and
    /// caches the result. Returns true when the weights came from the cache.</summary>
    public static bool LoadOrTrain(nn.Module module, string name, object config, Action train)
    {
        var path = PathFor(name, config);
        if (TryRead(path, p => Load(module, p))) return true;
        train();
        Save(module, path, new Dictionary<string, string> { ["name"] = name, ["config"] = JsonSerializer.Serialize(config, config.GetType()) });
        return false;
    }

    /// <summary>Loads cached tensors (e.g. a trained model's outputs on a fixed image set) if present; else runs
    /// <paramref name="compute"/> and caches what it returns. The key should name everything the tensors depend on:
    /// <see cref="Fingerprint(nn.Module)"/> of the model and of the inputs, rather than the recipe that made them, so
    /// a retrained model never meets outputs of an earlier one. The caller owns the returned tensors.</summary>
    public static Dictionary<string, Tensor> LoadOrCompute(string name, object key, Func<IReadOnlyDictionary<string, Tensor>> compute)
    {
        var path = PathFor(name, key);
        Dictionary<string, Tensor>? loaded = null;
        if (TryRead(path, p => loaded = Safetensors.Load(p))) return loaded!;
        var computed = compute();
        Safetensors.Save(path, computed, new Dictionary<string, string> { ["name"] = name, ["key"] = JsonSerializer.Serialize(key, key.GetType()) });
        return new Dictionary<string, Tensor>(computed);
    }

    /// <summary>Reads a cache entry if it exists; a damaged entry is deleted (and then retrained or recomputed), not trusted.</summary>
    static bool TryRead(string path, Action<string> read)
    {
        if (!File.Exists(path)) return false;
        try
        {
            read(path);
            return true;
        }
        catch (CheckpointException)
        {
            File.Delete(path);
            return false;
        }
    }

    /// <summary>A short hash of a module's state (names, dtypes, shapes and bytes of every parameter and buffer):
    /// equal exactly when the weights are.</summary>
    public static string Fingerprint(nn.Module module) => Fingerprint(module.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal));

    /// <summary>A short hash of tensors (e.g. an evaluation set), by dtype, shape and bytes.</summary>
    public static string Fingerprint(params Tensor[] tensors) => Fingerprint(tensors.Select((t, i) => new KeyValuePair<string, Tensor>(i.ToString(), t)));

    static string Fingerprint(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in tensors)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}|{tensor.dtype}|{string.Join(",", tensor.shape)}|"));
            using var contiguous = tensor.detach().cpu().contiguous();
            hash.AppendData(contiguous.bytes);
        }
        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }

    /// <summary>Writes a module's state (parameters and buffers) to a safetensors file; floating tensors are stored as
    /// <paramref name="storeAs"/> when given (e.g. Float16 to halve a shipped checkpoint).</summary>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null, ScalarType? storeAs = null)
    {
        var state = module.state_dict();
        if (storeAs is not { } dtype)
        {
            Safetensors.Save(path, state, metadata);
            return;
        }
        using var scope = NewDisposeScope();
        Safetensors.Save(path, state.ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to_type(dtype) : kv.Value), metadata);
    }

    /// <summary>Loads a module's state from a safetensors file; every tensor must be present with its shape.</summary>
    public static void Load(nn.Module module, string path)
    {
        var expected = module.state_dict();
        var loaded = Safetensors.Load(path);
        try
        {
            foreach (var (key, tensor) in expected)
            {
                if (!loaded.TryGetValue(key, out var value)) throw new CheckpointException($"{path}: tensor '{key}' is missing");
                if (!value.shape.SequenceEqual(tensor.shape))
                    throw new CheckpointException($"{path}: tensor '{key}' has shape [{string.Join(",", value.shape)}], expected [{string.Join(",", tensor.shape)}]");
                using (no_grad()) tensor.copy_(value);
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }
}
