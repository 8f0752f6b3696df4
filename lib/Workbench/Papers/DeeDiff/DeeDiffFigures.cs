using System.Globalization;
using Workbench.Viz;
using static TorchSharp.torch;

namespace Workbench.Papers.DeeDiff;

public sealed partial class DeeDiffResult
{
    /// <summary>(a) The motivating plot: MSE between each layer's noise prediction and the final layer's, per probed timestep.</summary>
    public Figure LayerFigure()
    {
        var f = new Figure("Each layer's noise prediction vs the final layer's (noisy test images)");
        var layers = Enumerable.Range(1, Config.Model.Layers).Select(i => (double)i).ToArray();
        for (int p = 0; p < ProbeSteps.Length; p++)
            f.Line(layers.Take(layers.Length - 1), LayerToFinal[p].Take(layers.Length - 1), $"t = {ProbeSteps[p]}", markers: true);
        return f.XAxis("layer").YAxis("MSE to the final prediction", log: true);
    }

    /// <summary>(b) Sample quality against the share of layers executed: DeeDiff's threshold sweep, static truncation,
    /// the full model on every sampling seed, and the real-vs-real floor.</summary>
    public Figure TradeoffFigure()
    {
        var f = new Figure("Sample quality vs layers executed (lower distance is better)");
        var sweep = Sweep.OrderBy(p => p.LayerFraction).ToList();
        f.Line(sweep.Select(p => p.LayerFraction * 100), sweep.Select(p => p.Distance), "DeeDiff (threshold sweep)", markers: true);
        f.Line(Static.Select(p => p.LayerFraction * 100), Static.Select(p => p.Distance), "static truncation (fixed exit)", markers: true);
        f.Scatter(Full.Select(p => p.LayerFraction * 100), Full.Select(p => p.Distance), "full model (each sampling seed)", size: 9);
        f.Scatter(Operating.Select(p => p.LayerFraction * 100), Operating.Select(p => p.Distance), "DeeDiff operating point (each seed)", size: 9);
        f.HLine(RealDistance, label: "real vs real");
        return f.XAxis("layers executed per denoiser call (%)").YAxis("sliced Wasserstein distance to real images (fixed features)", min: 0);
    }

    /// <summary>(c) Where sampling exits: the share of images leaving at each layer at each DDIM step (noisiest on the left).</summary>
    public Figure ExitHeatmap()
    {
        var run = OperatingRun;
        var x = run.Steps.Select(t => $"t={t.ToString(CultureInfo.InvariantCulture)}"); // categories keep the sampling order (noisiest first)
        var y = Enumerable.Range(1, run.Layers).Select(i => $"layer {i}");
        return new Figure($"Exit layer per diffusion step (DeeDiff, u ≤ {Operating[0].Threshold.ToString("0.0000", CultureInfo.InvariantCulture)})")
            .Heatmap(run.ExitShare(), x, y, zmin: 0, zmax: 1).XAxis("DDIM step (timestep t, noisiest first)").YAxis("exit layer");
    }

    /// <summary>(d) Samples from the same starting noise: full model, DeeDiff at the operating point, static truncation
    /// at about the same share of layers.</summary>
    public Figure SampleGrid()
    {
        var (full, dee, stat, layer) = Gallery;
        string Pct(double v) => (v * 100).ToString("0", CultureInfo.InvariantCulture);
        return Figure.Grid(3, "Samples from the same starting noise",
            new Figure($"full model ({Pct(Full[0].LayerFraction)}% of layers)").Image(Mosaic(full)),
            new Figure($"DeeDiff ({Pct(Operating[0].LayerFraction)}% of layers)").Image(Mosaic(dee)),
            new Figure($"static exit at layer {layer + 1} ({Pct(Static[layer].LayerFraction)}%)").Image(Mosaic(stat)));
    }

    /// <summary>Images [n, 1, H, W] in [-1, 1] tiled 8 per row with a 1-pixel gap, as [0, 1] greys.</summary>
    static double[,] Mosaic(Tensor images, int perRow = 8)
    {
        int n = (int)images.shape[0], h = (int)images.shape[2], w = (int)images.shape[3];
        int rows = (n + perRow - 1) / perRow;
        var px = ((images.clamp(-1, 1) + 1) / 2).to(ScalarType.Float64).data<double>().ToArray();
        var m = new double[rows * (h + 1), perRow * (w + 1)];
        for (int i = 0; i < n; i++)
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                    m[(i / perRow) * (h + 1) + r, (i % perRow) * (w + 1) + c] = px[(i * h + r) * w + c];
        return m;
    }
}
