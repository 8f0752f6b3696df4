using System.Diagnostics;
using Workbench.Data.Procedural;
using Workbench.Models.Transformer;
using Workbench.Models.Vision;
using Workbench.TokenDrop;
using Workbench.Torch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Training;

/// <summary>How a toy VLM is trained on scene questions.</summary>
/// <param name="Model">The VLM's shape.</param>
/// <param name="Seed">Seeds the weights and the training scenes.</param>
/// <param name="Steps">Optimiser steps (fresh scenes every step).</param>
/// <param name="Batch">(Scene, question) pairs per step.</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="PyramidStages">Zero: every layer sees every image token. Otherwise PyramidDrop is applied in training
/// with this many stages (drops at the stage ends, ranked by the last token's attention, as at inference).</param>
/// <param name="Lambda">PyramidDrop's keep factor per stage.</param>
/// <param name="EvalQuestions">Held-out questions for the card's metrics.</param>
public sealed record VlmTrainConfig(ToyVlmConfig Model, long Seed, int Steps, int Batch, double LearningRate,
    int PyramidStages = 0, double Lambda = 0.5, int EvalQuestions = 1000)
{
    /// <summary>The schedule applied during training (<see cref="DropSchedule.None"/> without PyramidDrop).</summary>
    public DropSchedule TrainSchedule => PyramidStages == 0 ? DropSchedule.None : DropSchedule.Pyramid(Model.Decoder.Layers, PyramidStages, Lambda);
}

/// <summary>Trains a toy VLM (patch projection + an 8-layer <see cref="TransformerLM"/>) to answer questions about
/// procedural grid scenes and writes a shipped checkpoint (weights as float16, config, card with held-out accuracy).</summary>
public abstract class VlmScenePreset : ITrainPreset
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract string Description { get; }

    /// <summary>The recipe.</summary>
    public abstract VlmTrainConfig Config { get; }

    /// <summary>Seed of the held-out scenes (never a training batch's seed).</summary>
    public const long EvalSeed = 97_531;

    /// <summary>The questions every toy VLM is trained and evaluated on.</summary>
    public static SceneQuestions Questions { get; } = new(SceneQuestions.ToyScenes());

    /// <summary>The toy VLM's shape: 8 layers, d = 48, 4 heads, 32x32 images in 4x4 patches (64 image tokens). Small
    /// enough to train in well under an hour on a shared 2-core machine.</summary>
    public static ToyVlmConfig Shape => new(new TransformerConfig(VocabSize: Questions.Tokenizer.VocabularySize, Dim: 48, Layers: 8, Heads: 4,
        KvHeads: 4, HiddenDim: TransformerConfig.LlamaHiddenDim(48), MaxSeqLen: 80));

    /// <inheritdoc/>
    public CheckpointCard Train() => Train(Config, Name, Description, save: true).Card;

    /// <summary>The shipped checkpoint of a preset.</summary>
    public static ToyVlm Load(string name)
    {
        var model = new ToyVlm(CheckpointStore.LoadConfig<ToyVlmConfig>(name));
        CheckpointStore.LoadWeights(name, model);
        model.eval();
        return model;
    }

    /// <summary>Trains by <paramref name="c"/>; with <paramref name="save"/>, writes data/checkpoints/<paramref name="name"/>.</summary>
    public static (ToyVlm Model, CheckpointCard Card) Train(VlmTrainConfig c, string name, string description, bool save)
    {
        TorchRuntime.Seed(c.Seed);
        var model = new ToyVlm(c.Model);
        model.train();
        var schedule = c.TrainSchedule;
        var clock = Stopwatch.StartNew();
        var result = TrainLoop.Run(model.parameters(), step =>
        {
            using var batch = Questions.Sample(c.Batch, SceneRandom.Derive(c.Seed, step));
            var logits = schedule.Stages.Count == 0 ? model.Forward(batch.Images, batch.Questions) : model.Run(batch.Images, batch.Questions, schedule).Logits;
            return F.cross_entropy(logits, batch.Answers);
        }, new TrainOptions(c.Steps, c.LearningRate, WeightDecay: 0.01, WarmupSteps: Math.Min(200, c.Steps / 10), Label: $"training {name}"));
        model.eval();
        double wall = clock.Elapsed.TotalSeconds;

        if (save)
        {
            var dir = CheckpointStore.FolderOf(name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), System.Text.Json.JsonSerializer.Serialize(c.Model, CheckpointStore.Json));
            ModelCache.Save(model, Path.Combine(dir, "model.safetensors"), new Dictionary<string, string> { ["format"] = "pt", ["name"] = name }, ScalarType.Float16);
            model = Load(name); // evaluate exactly what ships (float16 weights, computed in float32)
        }
        using var held = Questions.Sample(c.EvalQuestions, EvalSeed);
        var answers = held.AnswerIds;
        var full = model.Answer(held.Images, held.Questions, DropSchedule.None);
        var pyramid = model.Answer(held.Images, held.Questions, DropSchedule.Pyramid(c.Model.Decoder.Layers, 4, 0.5));
        var metrics = new Dictionary<string, double>
        {
            ["held_out_accuracy"] = Math.Round(full.Accuracy(answers), 4),
            ["held_out_accuracy_pyramiddrop"] = Math.Round(pyramid.Accuracy(answers), 4),
            ["samples_trained"] = (double)c.Steps * c.Batch,
        };
        var correct = full.Correct(answers);
        foreach (var kind in Questions.Kinds)
        {
            var idx = Enumerable.Range(0, held.Count).Where(i => held.Asked[i].Kind == kind).ToArray();
            if (idx.Length > 0) metrics[$"accuracy_{kind.ToString().ToLowerInvariant()}"] = Math.Round(idx.Average(i => correct[i] ? 1.0 : 0.0), 4);
        }
        var card = new CheckpointCard(name, description,
            $"procedural 4x4-grid scenes (32x32 RGB, 3-7 solid shapes, 4 kinds x 4 colours), one question each ({string.Join(", ", Questions.Kinds)}), fresh scenes every step from seed {c.Seed}; metrics on {c.EvalQuestions} held-out scenes (seed {EvalSeed})",
            c.Seed, c.Steps, Math.Round(wall, 1), Math.Round(result.FinalLoss, 4), metrics, $"workbench train {name}",
            model.parameters().Sum(p => p.numel())) { Recipe = System.Text.Json.JsonSerializer.SerializeToNode(c, CheckpointStore.Json) };
        if (save) CheckpointStore.WriteCard(card);
        return (model, card);
    }
}

/// <summary>The baseline toy VLM: trained with every image token at every layer.</summary>
public sealed class VlmScenesPreset : VlmScenePreset
{
    /// <summary>The checkpoint name.</summary>
    public const string PresetName = "vlm-scenes";

    /// <inheritdoc/>
    public override string Name => PresetName;

    /// <inheritdoc/>
    public override string Description => "toy VLM: 64 patch tokens of 32x32 grid scenes + 5 question words through an 8-layer LM (d=48), trained without token dropping";

    /// <inheritdoc/>
    public override VlmTrainConfig Config => new(Shape, Seed: 11, Steps: 10000, Batch: 24, LearningRate: 1e-3);
}

/// <summary>The same recipe with PyramidDrop applied during training (4 stages over 8 layers: drops before layers 2,
/// 4, 6 keeping 1/2, 1/4, 1/8 of the image tokens).</summary>
public sealed class VlmScenesPyramidDropPreset : VlmScenePreset
{
    /// <summary>The checkpoint name.</summary>
    public const string PresetName = "vlm-scenes-pdrop";

    /// <inheritdoc/>
    public override string Name => PresetName;

    /// <inheritdoc/>
    public override string Description => "toy VLM of vlm-scenes' shape and recipe, trained with PyramidDrop (drops before layers 2/4/6, lambda 0.5)";

    /// <inheritdoc/>
    public override VlmTrainConfig Config => new VlmScenesPreset().Config with { PyramidStages = 4 };
}
