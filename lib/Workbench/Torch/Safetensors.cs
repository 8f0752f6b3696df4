using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Workbench.Torch;

/// <summary>A checkpoint file or tensor that cannot be used; the message names the file or tensor in one line.</summary>
public sealed class CheckpointException(string message) : Exception(message);

/// <summary>Reads and writes the safetensors format (8-byte header length, JSON header, raw little-endian data).
/// The only weight format we load: it holds data, never code (pickle files are refused elsewhere).</summary>
public static class Safetensors
{
    /// <summary>One tensor's entry in a safetensors header; offsets are relative to the data section.</summary>
    public sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F32"] = (ScalarType.Float32, 4), ["F16"] = (ScalarType.Float16, 2), ["BF16"] = (ScalarType.BFloat16, 2),
        ["F64"] = (ScalarType.Float64, 8), ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2), ["I8"] = (ScalarType.Int8, 1), ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    static string Code(ScalarType t) => DTypes.First(kv => kv.Value.Type == t).Key;

    /// <summary>Reads and validates the header: entries must be well-formed, sized to their shape and inside the file.</summary>
    public static (IReadOnlyList<Entry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"{path}: file not found");
        using var fs = File.OpenRead(path);
        long fileLength = fs.Length;
        if (fileLength < 8) throw new CheckpointException($"{path}: too short to be a safetensors file ({fileLength} bytes)");
        var lenBytes = new byte[8];
        fs.ReadExactly(lenBytes);
        long headerLength = BitConverter.ToInt64(lenBytes);
        if (headerLength <= 0 || headerLength > 100_000_000 || 8 + headerLength > fileLength)
            throw new CheckpointException($"{path}: not a safetensors file or truncated (header length {headerLength}, file {fileLength} bytes)");
        var headerBytes = new byte[headerLength];
        fs.ReadExactly(headerBytes);
        JsonObject header;
        try { header = JsonNode.Parse(Encoding.UTF8.GetString(headerBytes).TrimEnd(' ', '\0'))?.AsObject() ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new CheckpointException($"{path}: corrupted safetensors header ({e.Message.Split('\n')[0]})"); }

        long dataStart = 8 + headerLength, dataLength = fileLength - dataStart;
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta) metadata[k] = v?.ToString() ?? "";
                continue;
            }
            try
            {
                var dtypeCode = (string?)node!["dtype"] ?? throw new FormatException("no dtype");
                if (!DTypes.TryGetValue(dtypeCode, out var dt))
                    throw new CheckpointException($"{path}: tensor '{name}' has unsupported dtype {dtypeCode}");
                var shape = node["shape"]!.AsArray().Select(x => (long)x!).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(x => (long)x!).ToArray();
                if (offsets.Length != 2) throw new FormatException("data_offsets needs two numbers");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * dt.Size;
                if (offsets[1] - offsets[0] != expected)
                    throw new CheckpointException($"{path}: tensor '{name}' holds {offsets[1] - offsets[0]} bytes but its shape [{string.Join(",", shape)}] {dtypeCode} needs {expected}");
                if (offsets[0] < 0 || offsets[1] > dataLength)
                    throw new CheckpointException($"{path}: tensor '{name}' lies beyond the end of the file (truncated?)");
                entries.Add(new Entry(name, dt.Type, shape, offsets[0], offsets[1]));
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException or JsonException)
            {
                throw new CheckpointException($"{path}: malformed header entry for tensor '{name}'");
            }
        }
        return (entries, metadata, dataStart);
    }

    /// <summary>Loads tensors (all, or the named ones) onto the CPU; floating tensors are cast to
    /// <paramref name="floatType"/> when given (e.g. BF16 weights computed in float32).</summary>
    public static Dictionary<string, Tensor> Load(string path, IEnumerable<string>? names = null, ScalarType? floatType = null)
    {
        TorchRuntime.EnsureLoaded();
        var (entries, _, dataStart) = ReadHeader(path);
        var wanted = names?.ToHashSet();
        var result = new Dictionary<string, Tensor>();
        using var fs = File.OpenRead(path);
        foreach (var e in entries)
        {
            if (wanted != null && !wanted.Contains(e.Name)) continue;
            var bytes = new byte[e.End - e.Begin];
            fs.Position = dataStart + e.Begin;
            fs.ReadExactly(bytes);
            var t = empty(e.Shape, e.DType);
            if (bytes.Length > 0) t.bytes = bytes;
            if (floatType is { } ft && t.is_floating_point() && t.dtype != ft)
            {
                var cast = t.to_type(ft);
                t.Dispose();
                t = cast;
            }
            result[e.Name] = t;
        }
        if (wanted != null)
            foreach (var n in wanted)
                if (!result.ContainsKey(n)) throw new CheckpointException($"{path}: tensor '{n}' is missing");
        return result;
    }

    /// <summary>Writes tensors (sorted by name) to a temporary file, then moves it into place: a failure leaves
    /// nothing half-written.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        var ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            using var cpuTensor = tensor.detach().cpu().contiguous();
            var bytes = cpuTensor.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = Code(cpuTensor.dtype),
                ["shape"] = new JsonArray(cpuTensor.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var headerText = header.ToJsonString();
        int pad = (8 - Encoding.UTF8.GetByteCount(headerText) % 8) % 8; // keeps the data section 8-byte aligned
        var headerBytes = Encoding.UTF8.GetBytes(headerText + new string(' ', pad));

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".partial";
        using (var fs = File.Create(temp))
        {
            fs.Write(BitConverter.GetBytes((long)headerBytes.Length));
            fs.Write(headerBytes);
            foreach (var b in blobs) fs.Write(b);
        }
        File.Move(temp, full, overwrite: true);
    }
}
