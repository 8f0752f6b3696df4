using TorchSharp;
using Workbench.Models.Vision;
using Workbench.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Papers.LGViT;

/// <summary>LGViT's two training stages, through the shared <see cref="TrainLoop"/>: stage 1 trains backbone and
/// heads end to end; stage 2 freezes the backbone and trains the heads with self-distillation from the final exit.</summary>
public static class LgvitTraining
{
    /// <summary>Bumped when the training code changes, so cached models retrain.</summary>
    public const int CodeVersion = 1;

    /// <summary>The base: the backbone alone with cross-entropy on its final classifier (the paper fine-tunes a
    /// pretrained ViT first; here it is trained from scratch).</summary>
    public static TrainResult Base(VisionTransformer backbone, Tensor x, Tensor y, LgvitConfig c) =>
        ClassifierTraining.Train(backbone, x, y, c.BaseEpochs, c.Seed + 100, c.Batch, c.BaseLearningRate, "LGViT base backbone");

    /// <summary>Stage 1: L = CE(final) + Σ_k CE(exit k), every parameter trained.</summary>
    public static TrainResult Stage1(MultiExitVisionTransformer model, Tensor x, Tensor y, LgvitConfig c, string label = "LGViT stage 1")
    {
        model.train();
        var batches = new BatchOrder(x.shape[0], c.Batch, c.Seed);
        var result = TrainLoop.Run(model.parameters(), step =>
        {
            var idx = batches.At(step);
            var labels = y.index_select(0, idx);
            var pass = model.ForwardAll(x.index_select(0, idx));
            return Stage1Loss(pass, labels);
        }, new TrainOptions(c.Stage1Epochs * batches.PerEpoch, c.Stage1LearningRate, c.WeightDecay,
            WarmupSteps: Math.Min(100, batches.PerEpoch), Label: label));
        model.eval();
        return result;
    }

    /// <summary>Summed cross-entropy of every exit and the final classifier.</summary>
    public static Tensor Stage1Loss(MultiExitPass pass, Tensor labels)
    {
        var loss = F.cross_entropy(pass.FinalLogits, labels);
        foreach (var e in pass.Exits) loss = loss + F.cross_entropy(e.Logits, labels);
        return loss;
    }

    /// <summary>Stage 2: the backbone (final classifier included) is frozen and only the heads learn, from
    /// <see cref="Stage2Loss"/>.</summary>
    public static TrainResult Stage2(MultiExitVisionTransformer model, Tensor x, Tensor y, LgvitConfig c, string label = "LGViT stage 2")
    {
        model.FreezeBackbone();
        model.train();
        var batches = new BatchOrder(x.shape[0], c.Batch, c.Seed + 1);
        try
        {
            return TrainLoop.Run(model.HeadParameters, step =>
            {
                var idx = batches.At(step);
                var pass = model.ForwardAll(x.index_select(0, idx), frozenBackbone: true);
                return Stage2Loss(model, pass, y.index_select(0, idx), c);
            }, new TrainOptions(c.Stage2Epochs * batches.PerEpoch, c.Stage2LearningRate, c.WeightDecay,
                WarmupSteps: Math.Min(50, batches.PerEpoch), Label: label));
        }
        finally
        {
            model.FreezeBackbone(false);
            model.eval();
        }
    }

    /// <summary>LGViT's self-distillation loss:
    /// L = (1 - a) Σ_k CE(z_k, y) + a Σ_k T² KL(softmax(z_final / T) ‖ softmax(z_k / T))
    ///   + w_hete Σ_k KL(softmax(h_last) ‖ softmax(f_k))  (over channels, each LGViT exit against the last hidden states, pooled alike)
    ///   + w_homo Σ_k MSE(G(f_k), G(f_deepest))  (Gram matrices G(f) = fᵀf against the deepest exit of the same kind).
    /// Linear heads have no patch features, so for them only the first line applies.</summary>
    public static Tensor Stage2Loss(MultiExitVisionTransformer model, MultiExitPass pass, Tensor labels, LgvitConfig c)
    {
        double t = c.Temperature;
        var teacher = F.log_softmax(pass.FinalLogits.detach() / t, -1);
        Tensor ce = zeros(1).sum(), kd = zeros(1).sum();
        foreach (var e in pass.Exits)
        {
            ce = ce + F.cross_entropy(e.Logits, labels);
            kd = kd + Kl(teacher, F.log_softmax(e.Logits / t, -1)) * (t * t);
        }
        var loss = (1 - c.Alpha) * ce + c.Alpha * kd;

        var exits = model.Exits;
        if (exits.All(e => e.Kind == ExitHeadKind.Linear)) return loss;
        var lastPatches = pass.LastHidden.detach()[.., 1..];
        int grid = model.Backbone.Config.GridSize;
        Tensor hetero = zeros(1).sum(), homo = zeros(1).sum();
        for (int k = 0; k < exits.Count; k++)
        {
            if (exits[k].Kind == ExitHeadKind.Linear) continue;
            var target = exits[k].Kind == ExitHeadKind.GlobalAggregation ? ExitHead.Downsample(lastPatches, grid, exits[k].Reduction) : lastPatches;
            hetero = hetero + Kl(F.log_softmax(target, -1), F.log_softmax(pass.Exits[k].Features, -1));
            int deepest = Enumerable.Range(0, exits.Count).Last(j => exits[j].Kind == exits[k].Kind);
            if (deepest != k) homo = homo + F.mse_loss(Gram(pass.Exits[k].Features), Gram(pass.Exits[deepest].Features).detach());
        }
        return loss + c.HeteroWeight * hetero + c.HomoWeight * homo;
    }

    /// <summary>KL(p ‖ q) from log-probabilities over the last dimension, summed over every other dimension but the
    /// batch and averaged over the batch (PyTorch's reduction="batchmean").</summary>
    static Tensor Kl(Tensor logP, Tensor logQ) => (logP.exp() * (logP - logQ)).sum() / logP.shape[0];

    /// <summary>Channel Gram matrices fᵀf [B, d, d] of features [B, n, d]: comparable across token counts.</summary>
    static Tensor Gram(Tensor f) => f.transpose(1, 2).matmul(f);

    /// <summary>A seeded shuffle of n samples per epoch, cut into batches.</summary>
    internal sealed class BatchOrder(long n, int batch, long seed)
    {
        readonly Random _rng = new((int)seed);
        readonly long[] _order = new long[n];

        /// <summary>Batches per epoch (the last may be short).</summary>
        public int PerEpoch { get; } = (int)Math.Ceiling(n / (double)batch);

        /// <summary>The sample indices of a step's batch; steps must be asked for in order.</summary>
        public Tensor At(int step)
        {
            int inEpoch = step % PerEpoch;
            if (inEpoch == 0)
            {
                for (long i = 0; i < n; i++) _order[i] = i;
                _rng.Shuffle(_order);
            }
            long start = (long)inEpoch * batch, len = Math.Min(batch, n - start);
            return tensor(_order.AsSpan((int)start, (int)len).ToArray());
        }
    }
}
