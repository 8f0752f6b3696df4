using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Diffusion;

/// <summary>A fixed feature-space distance between two image sets, for small generative models where FID means
/// nothing: images go through a fixed random convolutional network (seeded, never trained: conv 3x3 to 16 channels,
/// ReLU, 2x2 average pool, conv 3x3 to 32, ReLU, 2x2 average pool, flatten), features are standardised with the
/// reference set's statistics, and the sets are compared by the sliced Wasserstein-2 distance over random unit
/// directions. Lower is closer; two samples of the same distribution give a small positive floor.</summary>
public sealed class SampleQuality
{
    readonly Tensor _w1, _w2, _mean, _std, _directions;

    /// <summary>Reference features' count (every compared set must have as many images).</summary>
    public int Count { get; }

    /// <summary>Builds the feature network and directions from <paramref name="seed"/> and fixes the reference set
    /// (images [n, 1, H, W] in [-1, 1], H and W multiples of 4).</summary>
    public SampleQuality(Tensor reference, int directions = 256, int seed = 1234)
    {
        var rng = new Random(seed);
        _w1 = Kaiming(rng, 16, 1);
        _w2 = Kaiming(rng, 32, 16);
        using var f = Raw(reference);
        _mean = f.mean(new long[] { 0 }, keepdim: true);
        // Features that never vary on real images (e.g. the constant padded border) would turn any deviation there
        // into an enormous distance; a floor at a tenth of the mean deviation keeps every feature's weight bounded.
        var std = f.std(0, keepdim: true);
        _std = std.clamp_min(0.1 * std.mean().item<float>() + 1e-6);
        long dim = f.shape[1];
        var d = new float[directions * dim];
        for (int i = 0; i < d.Length; i++) d[i] = (float)Gaussian(rng);
        var dirs = tensor(d).view(directions, dim);
        _directions = dirs / dirs.norm(1, keepdim: true);
        Count = (int)reference.shape[0];
        _reference = Project(reference);
    }

    readonly Tensor _reference;

    /// <summary>Sliced Wasserstein-2 distance from <paramref name="images"/> to the reference set.</summary>
    public double Distance(Tensor images)
    {
        if (images.shape[0] != Count) throw new ArgumentException($"compare {Count} images with the reference set (got {images.shape[0]})");
        using var scope = NewDisposeScope();
        var p = Project(images);
        return (p - _reference).pow(2).mean().sqrt().item<float>();
    }

    /// <summary>Features projected on every direction, sorted per direction: [directions, n].</summary>
    Tensor Project(Tensor images)
    {
        using var scope = NewDisposeScope();
        var f = (Raw(images) - _mean) / _std;
        return _directions.matmul(f.T).sort(1).Values.MoveToOuterDisposeScope();
    }

    Tensor Raw(Tensor images)
    {
        using var _ = no_grad();
        var h = F.avg_pool2d(F.relu(F.conv2d(images.to(ScalarType.Float32), _w1, padding: new long[] { 1, 1 })), 2);
        h = F.avg_pool2d(F.relu(F.conv2d(h, _w2, padding: new long[] { 1, 1 })), 2);
        return h.flatten(1);
    }

    static Tensor Kaiming(Random rng, int outChannels, int inChannels)
    {
        var w = new float[outChannels * inChannels * 9];
        double scale = Math.Sqrt(2.0 / (inChannels * 9));
        for (int i = 0; i < w.Length; i++) w[i] = (float)(Gaussian(rng) * scale);
        return tensor(w).view(outChannels, inChannels, 3, 3);
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>An Inception-Score-style check from a classifier's probabilities [n, classes]: exp(E_x KL(p(y|x) ‖ p(y))).
    /// 1 when every image looks the same or nothing looks like a class; up to the number of classes when images are
    /// confidently classified and the classes are balanced.</summary>
    public static double ClassifierScore(Tensor probabilities)
    {
        using var scope = NewDisposeScope();
        var p = probabilities.to(ScalarType.Float64).clamp_min(1e-12);
        var marginal = p.mean(new long[] { 0 }, keepdim: true);
        return Math.Exp((p * (p.log() - marginal.log())).sum(1).mean().item<double>());
    }
}
