using TorchSharp;
using TorchSharp.Modules;
using Workbench.Cost;
using static TorchSharp.torch;

namespace Workbench.Models.Vision;

/// <summary>A UNet++ (nested U-Net) image-to-image network with one output per nested depth, as in RBQE: output k
/// reads the top node of the k-th column, x_{0,k}, and is the input plus a predicted residual. Computing output k
/// needs only the nodes x_{i,j} with i + j ≤ k, so outputs come in order at growing cost and inference can stop early.</summary>
/// <remarks>
/// Nodes (all <see cref="Channels"/> wide): x_{0,0} = two 3x3 convs of the input; x_{i,0} = a stride-2 3x3 conv then a
/// 3x3 conv of x_{i-1,0}; x_{i,j} = a 3x3 conv of [x_{i,0}, …, x_{i,j-1}, up(x_{i+1,j-1})], up being a 2x2 stride-2
/// transposed conv; ReLU after every conv. Output k = input + 3x3 conv(x_{0,k}) to one channel. Stage k computes the
/// anti-diagonal i + j = k. Taps: <c>nodes.{i}.{j}</c>, <c>outputs.{k}</c> (k from 1). Height and width must be
/// multiples of 2^<see cref="Outputs"/>.
/// </remarks>
public sealed class UNetPlusPlus : nn.Module<Tensor, Tensor>
{
    readonly Sequential _stem;
    readonly ModuleList<Sequential> _down;
    readonly ModuleDict<Sequential> _nodes;
    readonly ModuleDict<ConvTranspose2d> _up;
    readonly ModuleList<Conv2d> _heads;

    /// <summary>A UNet++ with <paramref name="outputs"/> nested outputs (depth) and <paramref name="channels"/> channels per node.</summary>
    public UNetPlusPlus(int outputs = 4, int channels = 16) : base(nameof(UNetPlusPlus))
    {
        if (outputs < 1) throw new ArgumentException($"a UNet++ needs at least one output (got {outputs})");
        Outputs = outputs;
        Channels = channels;
        int c = channels;
        _stem = nn.Sequential(nn.Conv2d(1, c, 3, padding: 1), nn.ReLU(), nn.Conv2d(c, c, 3, padding: 1), nn.ReLU());
        _down = new ModuleList<Sequential>(Enumerable.Range(1, outputs).Select(_ =>
            nn.Sequential(nn.Conv2d(c, c, 3, stride: 2, padding: 1), nn.ReLU(), nn.Conv2d(c, c, 3, padding: 1), nn.ReLU())).ToArray());
        _nodes = new ModuleDict<Sequential>();
        _up = new ModuleDict<ConvTranspose2d>();
        for (int k = 1; k <= outputs; k++)
            for (int j = 1; j <= k; j++)
            {
                int i = k - j;
                _nodes.Add(($"{i}_{j}", nn.Sequential(nn.Conv2d((j + 1) * c, c, 3, padding: 1), nn.ReLU())));
                _up.Add(($"{i}_{j}", nn.ConvTranspose2d(c, c, 2, stride: 2)));
            }
        _heads = new ModuleList<Conv2d>(Enumerable.Range(1, outputs).Select(_ => nn.Conv2d(c, 1, 3, padding: 1)).ToArray());
        RegisterComponents();
    }

    /// <summary>Number of nested outputs.</summary>
    public int Outputs { get; }

    /// <summary>Channels of every node.</summary>
    public int Channels { get; }

    /// <summary>The deepest output for images [n, 1, h, w].</summary>
    public override Tensor forward(Tensor x) => Forward(x, Outputs)[^1];

    /// <summary>Outputs 1..<paramref name="upTo"/>, each [n, 1, h, w], computing only the nodes they need.</summary>
    public Tensor[] Forward(Tensor x, int upTo, TapSet? taps = null)
    {
        var pass = Start(x, taps);
        return Enumerable.Range(1, upTo).Select(_ => pass.Next()).ToArray();
    }

    /// <summary>Starts an incremental pass: each <see cref="Pass.Next"/> computes one more stage and returns its output.</summary>
    public Pass Start(Tensor x, TapSet? taps = null)
    {
        if (x.dim() != 4 || x.shape[1] != 1) throw new ArgumentException($"expected images [n, 1, h, w], got [{string.Join(", ", x.shape)}]");
        long m = 1L << Outputs;
        if (x.shape[2] % m != 0 || x.shape[3] % m != 0) throw new ArgumentException($"height and width must be multiples of {m} for {Outputs} outputs");
        return new Pass(this, x, taps);
    }

    /// <summary>One image's pass through the network, a stage at a time (the early-exit loop's view of the model).</summary>
    public sealed class Pass
    {
        readonly UNetPlusPlus _net;
        readonly Tensor _input;
        readonly TapSet? _taps;
        readonly Dictionary<(int I, int J), Tensor> _x = new();

        internal Pass(UNetPlusPlus net, Tensor input, TapSet? taps)
        {
            _net = net;
            _input = input;
            _taps = taps;
            Set(0, 0, net._stem.forward(input));
        }

        /// <summary>Outputs computed so far.</summary>
        public int Done { get; private set; }

        void Set(int i, int j, Tensor t)
        {
            _x[(i, j)] = t;
            _taps?.Record($"nodes.{i}.{j}", t);
        }

        /// <summary>Computes stage Done + 1 (nodes x_{i,j} with i + j = k) and returns output k = input + residual.</summary>
        public Tensor Next()
        {
            int k = Done + 1;
            if (k > _net.Outputs) throw new InvalidOperationException($"all {_net.Outputs} outputs are computed");
            Set(k, 0, _net._down[k - 1].forward(_x[(k - 1, 0)]));
            for (int i = k - 1; i >= 0; i--)
            {
                int j = k - i;
                var up = nn.functional.relu(_net._up[$"{i}_{j}"].forward(_x[(i + 1, j - 1)]));
                var parts = Enumerable.Range(0, j).Select(jj => _x[(i, jj)]).Append(up).ToList();
                Set(i, j, _net._nodes[$"{i}_{j}"].forward(cat(parts, 1)));
            }
            var output = _input + _net._heads[k - 1].forward(_x[(0, k)]);
            _taps?.Record($"outputs.{k}", output);
            Done = k;
            return output;
        }
    }

    /// <summary>FLOPs of stage k alone (its anti-diagonal of nodes) on an h x w image, plus the stem for stage 1.</summary>
    public double StageFlops(int k, int height, int width)
    {
        int c = Channels;
        double f = 0;
        (long H, long W) At(int level) => (height >> level, width >> level);
        if (k == 1) f += Flops.Conv2d(1, c, 3, 3, height, width) + Flops.Conv2d(c, c, 3, 3, height, width);
        var (hk, wk) = At(k);
        f += 2 * Flops.Conv2d(c, c, 3, 3, hk, wk);
        for (int i = k - 1; i >= 0; i--)
        {
            int j = k - i;
            var (h, w) = At(i);
            f += Flops.Conv2d(c, c, 2, 2, h / 2, w / 2) + Flops.Conv2d((j + 1) * c, c, 3, 3, h, w); // up: 4 taps per input pixel
        }
        return f;
    }

    /// <summary>FLOPs of one output head (3x3 conv to one channel) on an h x w image.</summary>
    public double HeadFlops(int height, int width) => Flops.Conv2d(Channels, 1, 3, 3, height, width);

    /// <summary>FLOPs of a network cut to output k (stages 1..k and head k): what a fixed-depth model would cost.</summary>
    public double FlopsToOutput(int k, int height, int width) =>
        Enumerable.Range(1, k).Sum(s => StageFlops(s, height, width)) + HeadFlops(height, width);
}
