using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using Workbench.Progress;
using static TorchSharp.torch;

namespace Workbench.Training;

/// <summary>How to train: steps, AdamW settings, warm-up then cosine decay, gradient clipping.</summary>
public sealed record TrainOptions(
    int Steps,
    double LearningRate = 3e-3,
    double WeightDecay = 0.0,
    int WarmupSteps = 0,
    double MinLearningRateFraction = 0.1,
    double ClipGradNorm = 1.0,
    string Label = "training");

/// <summary>One logged training step.</summary>
public sealed record TrainLogEntry(int Step, double Loss, double LearningRate);

/// <summary>A finished training run: the loss curve and the wall time.</summary>
public sealed record TrainResult(IReadOnlyList<TrainLogEntry> Log, TimeSpan Wall)
{
    /// <summary>Mean loss over the last 5% of steps (at least one step): the run's final loss without step noise.</summary>
    public double FinalLoss
    {
        get
        {
            int n = Math.Max(1, Log.Count / 20);
            return Log.Count == 0 ? double.NaN : Log.Skip(Log.Count - n).Average(e => e.Loss);
        }
    }
}

/// <summary>The one training loop every experiment uses: AdamW, warm-up and cosine schedule, clipping, a dispose
/// scope per step, progress in notebooks and terminals.</summary>
public static class TrainLoop
{
    /// <summary>Learning rate at a step: linear warm-up, then cosine decay to MinLearningRateFraction of the peak.</summary>
    public static double LearningRateAt(TrainOptions o, int step)
    {
        if (o.WarmupSteps > 0 && step < o.WarmupSteps) return o.LearningRate * (step + 1) / o.WarmupSteps;
        double progress = o.Steps <= o.WarmupSteps ? 1 : (double)(step - o.WarmupSteps) / Math.Max(1, o.Steps - o.WarmupSteps);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
        return o.LearningRate * (o.MinLearningRateFraction + (1 - o.MinLearningRateFraction) * cosine);
    }

    /// <summary>Trains <paramref name="parameters"/> by minimising <paramref name="lossAt"/>(step) for o.Steps steps.
    /// The loss function builds its batch and returns a scalar tensor; everything it allocates is freed after the step.</summary>
    public static TrainResult Run(IEnumerable<Parameter> parameters, Func<int, Tensor> lossAt, TrainOptions o)
    {
        var trainable = parameters.Where(p => p.requires_grad).ToList();
        if (trainable.Count == 0) throw new ArgumentException("nothing to train: no parameter requires a gradient");
        using var optimizer = optim.AdamW(trainable, o.LearningRate, weight_decay: o.WeightDecay);
        var log = new List<TrainLogEntry>(o.Steps);
        var clock = Stopwatch.StartNew();
        using var progress = ProgressTask.Start(o.Label, o.Steps);
        for (int step = 0; step < o.Steps; step++)
        {
            double lr = LearningRateAt(o, step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = lossAt(step);
            loss.backward();
            if (o.ClipGradNorm > 0) nn.utils.clip_grad_norm_(trainable, o.ClipGradNorm);
            optimizer.step();
            double value = loss.item<float>();
            if (!double.IsFinite(value)) throw new InvalidOperationException($"{o.Label}: loss became {value} at step {step}; lower the learning rate");
            log.Add(new TrainLogEntry(step, value, lr));
            progress.Advance(detail: $"loss {RecentMean(log):0.000}");
        }
        return new TrainResult(log, clock.Elapsed);
    }

    static double RecentMean(List<TrainLogEntry> log)
    {
        int n = Math.Min(log.Count, 20);
        double sum = 0;
        for (int i = log.Count - n; i < log.Count; i++) sum += log[i].Loss;
        return sum / n;
    }
}
