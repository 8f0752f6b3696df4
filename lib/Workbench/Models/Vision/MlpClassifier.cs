using TorchSharp;
using TorchSharp.Modules;
using Workbench.Data;
using static TorchSharp.torch;

namespace Workbench.Models.Vision;

/// <summary>A one-hidden-layer classifier of flattened images (pixels/255 -> hidden ReLU -> classes): the family of
/// cheap members that ensembles and cascades are built from, one width multiplier per member size.</summary>
public sealed class MlpClassifier : nn.Module<Tensor, Tensor>
{
    readonly Linear _hidden, _out;

    /// <summary>Hidden units at width multiplier x1.</summary>
    public const int BaseWidth = 32;

    /// <summary>A member of width <paramref name="widthMultiplier"/> x <see cref="BaseWidth"/> for inputs of
    /// <paramref name="inputs"/> pixels and <paramref name="classes"/> classes.</summary>
    public MlpClassifier(int inputs, int classes, int widthMultiplier) : base(nameof(MlpClassifier))
    {
        if (widthMultiplier < 1) throw new ArgumentException($"width multiplier must be at least 1 (got {widthMultiplier})");
        Hidden = BaseWidth * widthMultiplier;
        Inputs = inputs;
        Classes = classes;
        _hidden = nn.Linear(inputs, Hidden);
        _out = nn.Linear(Hidden, classes);
        RegisterComponents();
    }

    /// <summary>Hidden units.</summary>
    public int Hidden { get; }

    /// <summary>Input pixels.</summary>
    public int Inputs { get; }

    /// <summary>Output classes.</summary>
    public int Classes { get; }

    /// <summary>Multiply-accumulates per sample (the two matrix products; biases and ReLU are not counted).</summary>
    public long Macs => (long)Inputs * Hidden + (long)Hidden * Classes;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => _out.forward(nn.functional.relu(_hidden.forward(x)));

    /// <summary>Images [n, rows·cols] as floats in [0, 1] and labels [n] (int64), from <paramref name="first"/> on.</summary>
    public static (Tensor X, Tensor Y) Tensors(ImageSet set, int first = 0, int? count = null)
    {
        int n = count ?? set.Count - first, size = set.Rows * set.Cols;
        if (first < 0 || n < 0 || first + n > set.Count) throw new ArgumentOutOfRangeException(nameof(count), $"images {first}..{first + n} of {set.Count}");
        var pixels = new float[(long)n * size];
        for (long i = 0; i < pixels.Length; i++) pixels[i] = set.Pixels[(long)first * size + i] / 255f;
        var labels = new long[n];
        for (int i = 0; i < n; i++) labels[i] = set.Labels[first + i];
        return (tensor(pixels, new long[] { n, size }), tensor(labels));
    }

    /// <summary>Softmax outputs per sample, in batches.</summary>
    public double[][] Probabilities(Tensor x)
    {
        using var _ = no_grad();
        eval();
        var result = new double[x.shape[0]][];
        for (long start = 0; start < x.shape[0]; start += 2048)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(2048, x.shape[0] - start);
            var p = forward(x.narrow(0, start, len)).softmax(-1).to(ScalarType.Float64);
            var flat = p.data<double>().ToArray();
            for (long i = 0; i < len; i++) result[start + i] = flat.AsSpan((int)(i * Classes), Classes).ToArray();
        }
        return result;
    }
}
