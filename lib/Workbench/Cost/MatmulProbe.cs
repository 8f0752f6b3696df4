using System.Diagnostics;
using Workbench.Progress;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Cost;

/// <summary>How fast this machine multiplies matrices: the compute ceiling every speed figure lives under.</summary>
public static class MatmulProbe
{
    /// <summary>One measured size: an n x n by n x n float32 product.</summary>
    public sealed record Point(int N, double Seconds, double GFlops);

    /// <summary>Times a square float32 matmul at each size (best of <paramref name="repeats"/>), with progress.</summary>
    public static IReadOnlyList<Point> Run(IReadOnlyList<int> sizes, int repeats = 3)
    {
        TorchRuntime.EnsureLoaded();
        var points = new List<Point>();
        using var progress = ProgressTask.Start("matmul probe", sizes.Count);
        foreach (var n in sizes)
        {
            using var scope = NewDisposeScope();
            var a = randn(n, n, device: TorchRuntime.Device);
            var b = randn(n, n, device: TorchRuntime.Device);
            a.matmul(b); // warm-up: first call allocates and picks kernels
            double best = double.MaxValue;
            for (int r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                var c = a.matmul(b);
                _ = c[0, 0].item<float>(); // forces completion on asynchronous devices
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            points.Add(new Point(n, best, 2.0 * n * n * n / best / 1e9));
            progress.Advance(detail: $"n={n}: {points[^1].GFlops:0.0} GFLOP/s");
        }
        return points;
    }
}
