using System.Text.Json.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using Workbench.Models.Transformer;
using Workbench.TokenDrop;
using static TorchSharp.torch;

namespace Workbench.Models.Vision;

/// <summary>Shape of a toy vision-language model.</summary>
/// <param name="Decoder">The language model: its vocabulary is the question/answer words.</param>
/// <param name="ImageSize">Square image side in pixels.</param>
/// <param name="PatchSize">Patch side in pixels (image tokens = (ImageSize / PatchSize)²).</param>
/// <param name="QuestionLength">Question words after the image tokens; the answer is read at the last one.</param>
/// <param name="PositionStd">Initial spread of the learned patch position embedding (0.02, the ViT default; starting
/// it at the patches' own scale, 0.5, made cell questions learn more slowly, not faster).</param>
public sealed record ToyVlmConfig(TransformerConfig Decoder, int ImageSize = 32, int PatchSize = 4, int QuestionLength = 5, double PositionStd = 0.02)
{
    /// <summary>Image tokens per sample.</summary>
    [JsonIgnore] public int Patches => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    /// <summary>Tokens per sample: image patches, then the question.</summary>
    [JsonIgnore] public int Tokens => Patches + QuestionLength;
}

/// <summary>A decoder-only toy VLM in LLaVA's shape: image patches are linearly projected (plus a learned patch
/// position embedding) and placed before the embedded question words; a <see cref="TransformerLM"/> reads the whole
/// sequence and predicts the one-word answer at the last question token. Image tokens are the droppable ones.</summary>
public sealed class ToyVlm : nn.Module
{
    readonly PatchEmbedding _patches;
    readonly TransformerLM _decoder;

    /// <summary>A randomly initialised model (seed torch first for repeatable weights).</summary>
    public ToyVlm(ToyVlmConfig config) : base(nameof(ToyVlm))
    {
        if (config.Decoder.MaxSeqLen < config.Tokens) throw new ArgumentException($"the decoder holds {config.Decoder.MaxSeqLen} positions, a sample has {config.Tokens}");
        Config = config;
        _patches = new PatchEmbedding(config.ImageSize, config.PatchSize, 3, config.Decoder.Dim);
        _decoder = new TransformerLM(config.Decoder);
        RegisterComponents();
        using (no_grad())
            foreach (var (name, p) in _patches.named_parameters())
                if (name.EndsWith("position")) p.mul_(config.PositionStd / 0.02);
    }

    /// <summary>The shape of this model.</summary>
    public ToyVlmConfig Config { get; }

    /// <summary>The language model that reads patches and words.</summary>
    public TransformerLM Decoder => _decoder;

    /// <summary>Side of the patch grid (token r * GridSize + c is patch (r, c)).</summary>
    public int GridSize => _patches.GridSize;

    /// <summary>Which of the <see cref="ToyVlmConfig.Tokens"/> positions may be dropped: the image patches.</summary>
    public bool[] Droppable => Enumerable.Range(0, Config.Tokens).Select(i => i < Config.Patches).ToArray();

    /// <summary>The input sequence [B, patches + words, d]: projected patches of <paramref name="images"/> [B, 3, H, W]
    /// followed by the embedded <paramref name="questions"/> [B, words].</summary>
    public Tensor Embed(Tensor images, Tensor questions)
    {
        if (questions.shape[1] != Config.QuestionLength) throw new ArgumentException($"questions have {questions.shape[1]} words, the model expects {Config.QuestionLength}");
        return cat(new[] { _patches.forward(images), _decoder.Embed(questions) }, 1);
    }

    /// <summary>Answer logits [B, V] at the last question token, every layer on every token.</summary>
    public Tensor Forward(Tensor images, Tensor questions)
    {
        using var scope = NewDisposeScope();
        var h = _decoder.RunLayers(Embed(images, questions), 0, Config.Decoder.Layers);
        return _decoder.Head(h.narrow(1, h.shape[1] - 1, 1)).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>The forward pass with image tokens dropped as <paramref name="schedule"/> says (logits differentiable,
    /// so it also serves PyramidDrop during training), with the tokens each stage kept and the FLOPs.</summary>
    public DropResult Run(Tensor images, Tensor questions, DropSchedule schedule)
    {
        using var scope = NewDisposeScope();
        var result = DroppedForward.Run(_decoder, Embed(images, questions), Droppable, schedule);
        result.Logits.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>FLOPs of the patch projection per image (the same with or without drops).</summary>
    public double PatchFlops => _patches.FlopsPerImage;

    /// <summary>Greedy answers (argmax word id) to <paramref name="questions"/> [N, words] about
    /// <paramref name="images"/> [N, 3, H, W] under a drop schedule, in batches, without gradients.</summary>
    public VlmAnswers Answer(Tensor images, Tensor questions, DropSchedule schedule, int batch = 250)
    {
        using var _ = no_grad();
        bool wasTraining = training;
        eval();
        long n = images.shape[0];
        var predicted = new long[n];
        var kept = schedule.Stages.Select(_ => new List<long[]>()).ToArray();
        DropResult? last = null;
        for (long start = 0; start < n; start += batch)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(batch, n - start);
            var r = Run(images.narrow(0, start, len), questions.narrow(0, start, len), schedule);
            r.Logits.argmax(-1).data<long>().ToArray().CopyTo(predicted, start);
            for (int s = 0; s < r.Stages.Count; s++) kept[s].AddRange(r.Stages[s].Kept);
            last = r;
        }
        if (wasTraining) train();
        var stages = schedule.Stages.Select((s, i) => new StageKeep(s.Layer, kept[i].ToArray())).ToArray();
        // FLOPs per sample depend only on the schedule and the sequence length, so any batch's count is every sample's.
        return new VlmAnswers(schedule, predicted, stages, last!.TokensPerLayer, last.Flops, last.FullFlops, last.DroppableFlopsShare);
    }
}

/// <summary>A model's answers to a set of questions under one drop schedule.</summary>
/// <param name="Predicted">Argmax answer word id per sample.</param>
/// <param name="Stages">Per drop, the original indices every sample kept.</param>
/// <param name="TokensPerLayer">Tokens each layer ran on.</param>
/// <param name="Flops">Decoder FLOPs per sample with the drops.</param>
/// <param name="FullFlops">Decoder FLOPs per sample without drops.</param>
/// <param name="ImageFlopsShare">Share of the image tokens' FLOPs still spent (PyramidDrop's "image-token FLOPs").</param>
public sealed record VlmAnswers(DropSchedule Schedule, long[] Predicted, IReadOnlyList<StageKeep> Stages, int[] TokensPerLayer,
    double Flops, double FullFlops, double ImageFlopsShare)
{
    /// <summary>Per sample, whether the answer equals <paramref name="answers"/>.</summary>
    public bool[] Correct(long[] answers) => Predicted.Zip(answers, (p, a) => p == a).ToArray();

    /// <summary>Share of answers equal to <paramref name="answers"/>.</summary>
    public double Accuracy(long[] answers) => Correct(answers).Average(c => c ? 1.0 : 0.0);
}
