using System.Text.Json.Nodes;
using TorchSharp;
using Workbench.Decoding;
using Workbench.Models.Transformer;
using Workbench.Tests.Support;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Tests.LM;

/// <summary>Our transformer against an independent PyTorch implementation written from the Hugging Face conventions
/// (tools/pytorch/llama_reference.py): logits within 1e-4 in float32, greedy continuations identical.</summary>
public class ParityTests
{
    static readonly long[] Prompt = { 5, 17, 3, 88, 42, 9, 1 };

    static readonly string[] RunArgs = { "--prompt", string.Join(",", Prompt), "--new", "12" };

    static void AssertMatches(TransformerLM model, JsonNode reference)
    {
        var expected = reference["logits"]!.AsArray().Select(row => row!.AsArray().Select(v => (float)v!).ToArray()).ToArray();
        using var _ = no_grad();
        var ours = model.Forward(tensor(Prompt).unsqueeze(0))[0];
        var theirs = tensor(expected.SelectMany(r => r).ToArray()).reshape(expected.Length, expected[0].Length);
        float maxDiff = (ours - theirs).abs().max().item<float>();
        Assert.True(maxDiff <= 1e-4f, $"max |logit difference| = {maxDiff}");

        var greedy = Autoregressive.Generate(model, Prompt, 12).Generated;
        Assert.Equal(reference["greedy"]!.AsArray().Select(v => (long)v!), greedy);
    }

    [SkippableFact]
    public void OurCheckpointMatchesTheIndependentReference()
    {
        Skip.IfNot(Python.Available, Python.Missing);
        var dir = Paths.TempDir("parity-ours");
        try
        {
            TorchRuntime.Seed(3);
            var model = new TransformerLM(new TransformerConfig(97, 64, 3, 8, 2, 160, MaxSeqLen: 64));
            using (no_grad()) // weights of unit-scale activations (like a trained model's), so argmax ties cannot hide errors
                foreach (var (name, p) in model.named_parameters())
                    if (name.Contains("norm")) p.copy_(1 + 0.1 * randn_like(p));
                    else p.copy_(randn_like(p) / Math.Sqrt(name.Contains("embed") ? 4 : p.shape[1]));
            model.eval();
            LlamaCheckpoint.Save(dir, model);
            AssertMatches(LlamaCheckpoint.Load(dir), Python.RunJson(new[] { "run", dir }.Concat(RunArgs).ToArray()));
        }
        finally { Directory.Delete(dir, true); }
    }

    [SkippableTheory]
    [InlineData("single", new[] { "--dtype", "float32" })]
    [InlineData("sharded", new[] { "--shards", "3" })]
    [InlineData("tied", new[] { "--tied", "--kv-heads", "4" })]
    [InlineData("bf16", new[] { "--dtype", "bfloat16", "--kv-heads", "1" })]
    [InlineData("f16-sharded-tied", new[] { "--dtype", "float16", "--shards", "2", "--tied" })]
    public void CheckpointsWrittenByAnotherToolLoadAndAgree(string variant, string[] options)
    {
        Skip.IfNot(Python.Available, Python.Missing);
        var dir = Paths.TempDir("parity-" + variant);
        try
        {
            var reference = Python.RunJson(new[] { "make", dir }.Concat(options).Concat(RunArgs).ToArray());
            AssertMatches(LlamaCheckpoint.Load(dir), reference);
        }
        finally { Directory.Delete(dir, true); }
    }
}
