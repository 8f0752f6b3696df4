using Workbench.Models.Vision;
using static TorchSharp.torch;

namespace Workbench.Papers.Mue;

/// <summary>What greedy generation produced for one example, and where every part of the model stopped.</summary>
/// <param name="Tokens">Generated ids, the end token included when it was produced.</param>
/// <param name="DecoderLayers">Decoder layers each generated token ran.</param>
/// <param name="ImageLayers">Encoder layers the image tokens ran.</param>
/// <param name="TextLayers">Encoder layers the text tokens ran.</param>
/// <param name="Flops">Encoder plus decoder FLOPs for this example (KV cache, exits as executed).</param>
public sealed record GeneratedExample(int[] Tokens, int[] DecoderLayers, int ImageLayers, int TextLayers, double Flops);

/// <summary>Greedy generation with MuE's exits on both sides.</summary>
public static class MueGeneration
{
    /// <summary>Encodes each example once (exiting per modality), then generates up to the model's target length, one
    /// token per step, each token exiting on its own. The decoder re-reads the whole prefix each step: with causal
    /// attention the earlier positions' states and exits come out as a KV cache would hold them, and the FLOPs counted
    /// are those of the KV-cache decoder.</summary>
    public static GeneratedExample[] Generate(SceneEncoderDecoder model, MueBatch batch, EncoderExit encoderExit, DecoderExit decoderExit, int eosId, int bosId)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var encoded = model.Encode(batch.Images, batch.Text, encoderExit);
        int b = (int)batch.Images.shape[0], maxTokens = model.Config.MaxTarget;
        var tokens = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        var layers = Enumerable.Range(0, b).Select(_ => new List<int>()).ToArray();
        var finished = new bool[b];
        var input = full(new long[] { b, 1 }, bosId, dtype: ScalarType.Int64);
        for (int step = 0; step < maxTokens && !finished.All(f => f); step++)
        {
            var pass = model.Decode(encoded.Memory, input, decoderExit);
            var next = pass.Logits.select(1, step).argmax(-1);
            var ids = next.data<long>().ToArray();
            for (int n = 0; n < b; n++)
            {
                if (finished[n]) continue;
                tokens[n].Add((int)ids[n]);
                layers[n].Add(pass.ExitLayers[n, step]);
                if (ids[n] == eosId) finished[n] = true;
            }
            if (step + 1 < maxTokens) input = cat(new[] { input, next.unsqueeze(1) }, 1);
        }
        return Enumerable.Range(0, b).Select(n => new GeneratedExample(tokens[n].ToArray(), layers[n].ToArray(),
            encoded.ImageLayers[n], encoded.TextLayers[n],
            model.EncoderFlops(encoded.ImageLayers[n], encoded.TextLayers[n]) + model.DecoderFlops(layers[n], decoderExit.Signal))).ToArray();
    }

    /// <summary>The task score of one generation: entailment, 1 when the first word is the label; captioning, the share
    /// of aligned positions (end token included) where the generated word is the reference word, over the longer of the two.</summary>
    public static double Score(MueExample example, GeneratedExample generated, MueTasks tasks)
    {
        var reference = tasks.Tokenizer.Encode(example.Target).Append(tasks.Tokenizer.EosId).ToArray();
        if (example.Task == MueTask.Entailment) return generated.Tokens.Length > 0 && generated.Tokens[0] == reference[0] ? 1 : 0;
        int matches = 0, length = Math.Max(reference.Length, generated.Tokens.Length);
        for (int i = 0; i < Math.Min(reference.Length, generated.Tokens.Length); i++) if (reference[i] == generated.Tokens[i]) matches++;
        return matches / (double)length;
    }
}
