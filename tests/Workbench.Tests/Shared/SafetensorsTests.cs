using TorchSharp;
using Workbench.Tests.Support;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Tests.Shared;

public class SafetensorsTests
{
    [Fact]
    public void RoundTripsDtypesShapesAndMetadata()
    {
        var dir = Paths.TempDir("st");
        try
        {
            var path = Path.Combine(dir, "m.safetensors");
            var tensors = new Dictionary<string, Tensor>
            {
                ["w"] = arange(6, dtype: float32).reshape(2, 3),
                ["ids"] = tensor(new long[] { 7, -1 }),
                ["half"] = tensor(new float[] { 1.5f, -2f }).to_type(ScalarType.BFloat16),
                ["scalar"] = tensor(3.25f),
            };
            Safetensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            var (entries, meta, _) = Safetensors.ReadHeader(path);
            Assert.Equal("pt", meta["format"]);
            Assert.Equal(new[] { "half", "ids", "scalar", "w" }, entries.Select(e => e.Name));
            var loaded = Safetensors.Load(path, floatType: ScalarType.Float32);
            Assert.Equal(new long[] { 2, 3 }, loaded["w"].shape);
            Assert.Equal(5f, loaded["w"][1, 2].item<float>());
            Assert.Equal(-1L, loaded["ids"][1].item<long>());
            Assert.Equal(ScalarType.Float32, loaded["half"].dtype); // BF16 computed in float32
            Assert.Equal(-2f, loaded["half"][1].item<float>());
            Assert.Empty(loaded["scalar"].shape);
            Assert.False(File.Exists(path + ".partial"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TruncatedOrCorruptedFilesFailWithOneLineNamingTheProblem()
    {
        var dir = Paths.TempDir("st-bad");
        try
        {
            var path = Path.Combine(dir, "m.safetensors");
            Safetensors.Save(path, new Dictionary<string, Tensor> { ["layer.weight"] = ones(64, 64) });
            var bytes = File.ReadAllBytes(path);

            var truncated = Path.Combine(dir, "truncated.safetensors");
            File.WriteAllBytes(truncated, bytes[..(bytes.Length - 100)]);
            var e1 = Assert.Throws<CheckpointException>(() => Safetensors.Load(truncated));
            Assert.Contains("'layer.weight' lies beyond the end of the file", e1.Message);

            var garbage = Path.Combine(dir, "garbage.safetensors");
            var corrupt = (byte[])bytes.Clone();
            corrupt[8] = (byte)'x'; // the header no longer parses as JSON
            File.WriteAllBytes(garbage, corrupt);
            var e2 = Assert.Throws<CheckpointException>(() => Safetensors.Load(garbage));
            Assert.Contains("garbage.safetensors", e2.Message);

            var notSt = Path.Combine(dir, "pickle.bin");
            File.WriteAllBytes(notSt, new byte[] { 0x80, 0x02, 0x7d, 0x71, 0, 0, 0, 0, 0, 0, 0, 0 });
            Assert.Contains("not a safetensors file", Assert.Throws<CheckpointException>(() => Safetensors.ReadHeader(notSt)).Message);

            Assert.Contains("'nope' is missing", Assert.Throws<CheckpointException>(() => Safetensors.Load(path, new[] { "nope" })).Message);
            foreach (var m in new[] { e1.Message, e2.Message }) Assert.DoesNotContain("\n", m);
        }
        finally { Directory.Delete(dir, true); }
    }
}
