using System.Security.Cryptography;
using TorchSharp;
using Workbench.Data.Language;
using Workbench.Decoding.Speculative;
using Workbench.Models;
using Workbench.Models.Transformer;
using Workbench.Progress;
using Workbench.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Papers.Kangaroo;

/// <summary>How an adapter is trained (this record, with the target's fingerprint, keys the model cache).</summary>
/// <param name="Target">Fingerprint of the frozen target's weights.</param>
/// <param name="ExitLayer">l: the adapter reads the states after the target's first l blocks.</param>
/// <param name="Kind">The adapter.</param>
/// <param name="Sequences">Packed style-A training sequences (never held-out content).</param>
/// <param name="SeqLen">Tokens per sequence.</param>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="Batch">Sequences per step.</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="Seed">Seeds the corpus, the initialisation and the batch order.</param>
/// <param name="Recipe">Bumped when the training code changes, so cached adapters from older code are retrained.</param>
public sealed record AdapterTrainConfig(string Target, int ExitLayer, AdapterKind Kind, int Sequences, int SeqLen, int Steps, int Batch,
    double LearningRate, long Seed, int Recipe = 2);

/// <summary>The frozen target's layer-l states and full-model distributions over a training corpus: one target pass
/// serves every l and every adapter.</summary>
public sealed class ExitStateData : IDisposable
{
    readonly Dictionary<int, Tensor> _states = new();

    /// <summary>Runs <paramref name="target"/> over <paramref name="sequences"/> packed sequences and keeps the states
    /// after blocks 0..l-1 for each l in <paramref name="exitLayers"/>, and the target's next-token distributions.</summary>
    public ExitStateData(TransformerLM target, IReadOnlyCollection<int> exitLayers, int sequences, int seqLen, long seed, int chunk = 16)
    {
        var corpus = new CorpusSampler(Style.A, seed);
        var states = exitLayers.ToDictionary(l => l, _ => new List<Tensor>());
        var probs = new List<Tensor>();
        using var _ = no_grad();
        using var progress = ProgressTask.Start("target states for adapter training", (sequences + chunk - 1) / chunk);
        for (int done = 0; done < sequences; done += chunk)
        {
            int rows = Math.Min(chunk, sequences - done);
            using var scope = NewDisposeScope();
            var batch = corpus.NextBatch(rows, seqLen);
            using var taps = new TapSet(exitLayers.Select(l => $"blocks.{l - 1}.resid_post").ToArray());
            var logits = target.Forward(tensor(batch.Ids).reshape(rows, seqLen), null, taps);
            probs.Add(logits.softmax(-1).DetachFromDisposeScope());
            foreach (var l in exitLayers) states[l].Add(taps[$"blocks.{l - 1}.resid_post"].clone().DetachFromDisposeScope());
            progress.Advance();
        }
        foreach (var (l, parts) in states)
        {
            _states[l] = cat(parts, 0).DetachFromDisposeScope();
            foreach (var p in parts) p.Dispose();
        }
        TeacherProbs = cat(probs, 0).DetachFromDisposeScope();
        foreach (var p in probs) p.Dispose();
    }

    /// <summary>The full model's next-token distributions [N, T, V]: the soft targets.</summary>
    public Tensor TeacherProbs { get; }

    /// <summary>Layer-l states [N, T, d].</summary>
    public Tensor StatesAt(int exitLayer) => _states.TryGetValue(exitLayer, out var s) ? s
        : throw new ArgumentException($"no states were kept for layer {exitLayer} (kept: {string.Join(", ", _states.Keys)})");

    /// <summary>Number of sequences.</summary>
    public long Count => TeacherProbs.shape[0];

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in _states.Values) s.Dispose();
        TeacherProbs.Dispose();
    }
}

/// <summary>Trains adapters with Kangaroo's loss: soft cross-entropy to the full model, −Σ p_full log p_adapter, with
/// the target (layers, final norm, head) frozen.</summary>
public static class AdapterTraining
{
    /// <summary>Soft cross-entropy of the drafts' logits [.., V] against the teacher's probabilities [.., V] (nats).</summary>
    public static Tensor SoftCrossEntropy(Tensor logits, Tensor teacher) => -(teacher * F.log_softmax(logits, -1)).sum(-1).mean();

    /// <summary>The loss of an adapter on a batch of sequences of <paramref name="data"/>.</summary>
    public static Tensor Loss(TransformerLM target, IExitAdapter adapter, ExitStateData data, int exitLayer, Tensor rows) =>
        SoftCrossEntropy(target.Project(adapter.Forward(data.StatesAt(exitLayer).index_select(0, rows), 0, null)), data.TeacherProbs.index_select(0, rows));

    /// <summary>Mean soft cross-entropy over every sequence of <paramref name="data"/> (no gradients).</summary>
    public static double Evaluate(TransformerLM target, IExitAdapter adapter, ExitStateData data, int exitLayer, int chunk = 32)
    {
        using var _ = no_grad();
        double total = 0;
        for (long i = 0; i < data.Count; i += chunk)
        {
            using var scope = NewDisposeScope();
            var rows = arange(i, Math.Min(data.Count, i + chunk), dtype: ScalarType.Int64);
            total += Loss(target, adapter, data, exitLayer, rows).item<float>() * rows.shape[0];
        }
        return total / data.Count;
    }

    /// <summary>Trains <paramref name="adapter"/> (a module) on <paramref name="data"/>; the target stays frozen.</summary>
    public static TrainResult Train(TransformerLM target, IExitAdapter adapter, ExitStateData data, AdapterTrainConfig c)
    {
        var module = adapter as nn.Module ?? throw new ArgumentException($"the {adapter.Name} has nothing to train");
        var frozen = target.parameters().Where(p => p.requires_grad).ToList();
        foreach (var p in frozen) p.requires_grad = false;
        try
        {
            using var order = new Generator((ulong)c.Seed);
            module.train();
            var result = TrainLoop.Run(module.parameters(), _ =>
                Loss(target, adapter, data, c.ExitLayer, randint(data.Count, new long[] { c.Batch }, generator: order)),
                new TrainOptions(c.Steps, c.LearningRate, WeightDecay: 0.01, WarmupSteps: Math.Min(50, c.Steps / 10),
                    Label: $"{adapter.Name}, l = {c.ExitLayer}"));
            module.eval();
            return result;
        }
        finally
        {
            foreach (var p in frozen) p.requires_grad = true;
        }
    }

    /// <summary>A trained adapter for (l, kind): from the model cache when it was trained before with this recipe,
    /// else trained now on the states <paramref name="data"/> builds (only called when something must be trained).</summary>
    public static IExitAdapter LoadOrTrain(TransformerLM target, AdapterTrainConfig c, Func<ExitStateData> data)
    {
        var adapter = KangarooAdapters.Create(c.Kind, target, c.Seed);
        if (adapter is not nn.Module module) return adapter;
        ModelCache.LoadOrTrain(module, $"kangaroo-{c.Kind.ToString().ToLowerInvariant()}-l{c.ExitLayer}", c, () => Train(target, adapter, data(), c));
        module.eval();
        return adapter;
    }

    /// <summary>A short fingerprint of a model's weights (part of every adapter's cache key).</summary>
    public static string Fingerprint(TransformerLM model)
    {
        using var _ = no_grad();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, p) in model.named_parameters())
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
            var values = p.detach().contiguous().to(ScalarType.Float32).data<float>().ToArray();
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
