using Workbench.Data.Procedural;
using Workbench.Models.Vision;
using Workbench.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Papers.Mue;

/// <summary>MuE's training objective: the layer-wise task loss, the mean cross-entropy of every decoder layer through
/// the shared head, so each decoder layer is a usable exit. The encoder has no exit loss: its exits rely on saturation.</summary>
public static class MueTraining
{
    /// <summary>Mean over decoder layers of the token cross-entropy (padding ignored).</summary>
    public static Tensor LayerwiseLoss(SceneEncoderDecoder model, MueBatch batch)
    {
        var memory = model.Encode(batch.Images, batch.Text).Memory;
        var layers = model.LayerLogits(memory, batch.Input);
        var labels = batch.Labels.flatten();
        var losses = layers.Select(l => F.cross_entropy(l.flatten(0, 1), labels, ignore_index: -100)).ToArray();
        return stack(losses).mean();
    }

    /// <summary>Trains on fresh batches: entailment alone for the first <see cref="MueConfig.EntailmentFirstSteps"/>
    /// steps, then both tasks alternating within every batch.</summary>
    public static TrainResult Train(SceneEncoderDecoder model, MueTasks tasks, MueConfig config)
    {
        model.train();
        var result = TrainLoop.Run(model.parameters(), step =>
        {
            // The batch's tensors join the loop's per-step dispose scope.
            var seed = SceneRandom.Derive(config.Seed, step);
            var batch = tasks.Build(tasks.Sample(config.Batch, seed, step < config.EntailmentFirstSteps ? MueTask.Entailment : null));
            return LayerwiseLoss(model, batch);
        }, new TrainOptions(config.Steps, config.LearningRate, WeightDecay: 0.01, WarmupSteps: config.Steps / 20, Label: "MuE encoder-decoder"));
        model.eval();
        return result;
    }
}
