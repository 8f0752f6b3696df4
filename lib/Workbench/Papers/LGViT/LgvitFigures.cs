using System.Globalization;
using Microsoft.Data.Analysis;
using Workbench.Data;
using Workbench.EarlyExit;
using Workbench.Viz;

namespace Workbench.Papers.LGViT;

public sealed partial class LgvitResult
{
    /// <summary>Exit colours, earliest first (viridis, reversed: early exits bright, the final classifier dark).</summary>
    static readonly string[] ExitPalette = { "#fde725", "#90d743", "#35b779", "#21918c", "#31688e", "#443983", "#440154" };

    /// <summary>The colour of exit k of <paramref name="exits"/>.</summary>
    public static string ExitColor(int k, int exits) =>
        ExitPalette[exits <= 1 ? 0 : (int)Math.Round(k * (ExitPalette.Length - 1) / (double)(exits - 1))];

    static string Color(LgvitVariant v) => v.Family == HeadFamily.Lgvit ? "#ff7f0e" : "#1f77b4";
    static string? Dash(LgvitVariant v) => v.Stage2 ? null : "dot";

    /// <summary>The key figure: test accuracy against FLOPs-based speedup for the four variants as the confidence
    /// threshold sweeps (left), and against wall-clock speedup at the timed thresholds (right).</summary>
    public Figure SpeedupFigure()
    {
        double full = Method.FullAccuracy(TestLabels) * 100;
        var flops = new Figure("accuracy vs speedup (FLOPs)");
        foreach (var v in Variants)
            flops.Line(v.Curve.Select(p => p.Speedup), v.Curve.Select(p => p.Accuracy * 100), v.Name, Color(v), markers: true, dash: Dash(v));
        flops.HLine(full - Config.MaxLoss * 100, "#999", label: $"LGViT full model - {F(Config.MaxLoss * 100, "0")} pt")
             .VLine(Config.TargetSpeedup, "#999").XAxis("speedup (full-model FLOPs / mean FLOPs per image)").YAxis("test accuracy (%)");
        var measured = new Figure($"accuracy vs speedup (wall clock, {Math.Min(Config.TimingCount, TestLabels.Length)} images)");
        foreach (var v in Variants)
            measured.Line(v.Timed.Select(t => t.MeasuredSpeedup), v.Timed.Select(t => t.Accuracy * 100), v.Name, Color(v), markers: true, dash: Dash(v));
        measured.XAxis("measured speedup (full-model time / early-exit time)").YAxis("accuracy (%)");
        return Figure.Grid(2, $"LGViT on Fashion-MNIST: confidence threshold swept {F(Config.SweepThresholds.Min(), "0.##")}..{F(Config.SweepThresholds.Max(), "0.####")}", flops, measured);
    }

    /// <summary>Accuracy of every exit on all test images (as if every image stopped there), per variant.</summary>
    public Figure ExitAccuracyFigure()
    {
        var f = new Figure("Accuracy of each exit on every test image");
        foreach (var v in Variants)
        {
            var layers = Config.ExitLayers.Append(Config.Vit.Layers).Select(l => (double)l);
            f.Line(layers, Enumerable.Range(0, v.Test.Exits).Select(k => v.Test.ExitAccuracy(k, TestLabels) * 100), v.Name, Color(v), markers: true, dash: Dash(v));
        }
        return f.XAxis("exit after block").YAxis("test accuracy (%)");
    }

    /// <summary>Test images grouped by the exit at which the full method stopped at its operating threshold, one row
    /// per exit, each image tinted with its exit's colour.</summary>
    public Figure ExitGallery(int perRow = 12)
    {
        var op = Operating(Method);
        int exits = Method.Test.Exits, side = TestImages.Rows, cell = side + 2;
        var rgb = new byte[exits * cell, perRow * cell, 3];
        for (int r = 0; r < rgb.GetLength(0); r++)
            for (int c = 0; c < rgb.GetLength(1); c++)
                for (int ch = 0; ch < 3; ch++) rgb[r, c, ch] = 255;
        var f = new Figure($"Test images by exit layer (LGViT + stage 2, threshold {F(op.Threshold, "0.####")})", height: 90 + exits * 62);
        var shares = op.Test.ExitShares(exits);
        for (int k = 0; k < exits; k++)
        {
            var color = Rgb(ExitColor(k, exits));
            var picked = Enumerable.Range(0, op.Test.ExitOf.Length).Where(i => op.Test.ExitOf[i] == k).Take(perRow).ToList();
            for (int j = 0; j < picked.Count; j++)
                for (int y = 0; y < side; y++)
                    for (int x = 0; x < side; x++)
                    {
                        double v = TestImages[picked[j], y, x] / 255.0;   // white background, the garment in the exit's colour
                        for (int ch = 0; ch < 3; ch++) rgb[k * cell + 1 + y, j * cell + 1 + x, ch] = (byte)Math.Round(255 - v * (255 - color[ch]));
                    }
            int layer = k < Config.ExitLayers.Length ? Config.ExitLayers[k] : Config.Vit.Layers;
            f.Text(-2, k * cell + cell / 2.0, $"L{layer}{(k == exits - 1 ? " final" : "")} {F(shares[k] * 100, "0")}%", anchor: "right", size: 11);
        }
        return f.Image(rgb);
    }

    /// <summary>Per class, the share of its test images stopping at each exit (the full method at its operating threshold).</summary>
    public Figure ExitHistogramFigure()
    {
        var op = Operating(Method);
        int exits = Method.Test.Exits;
        var f = new Figure($"Exit layer per class (LGViT + stage 2, threshold {F(op.Threshold, "0.####")})");
        var classes = FashionMnist.ClassNames;
        for (int k = 0; k < exits; k++)
        {
            var share = classes.Select((_, c) =>
            {
                var ofClass = Enumerable.Range(0, TestLabels.Length).Where(i => TestLabels[i] == c).ToList();
                return ofClass.Count == 0 ? 0 : ofClass.Count(i => op.Test.ExitOf[i] == k) * 100.0 / ofClass.Count;
            });
            f.Bar(classes, share, Method.Test.ExitNames[k], ExitColor(k, exits));
        }
        return f.BarMode("stack").YAxis("share of the class's test images (%)", min: 0, max: 100);
    }

    /// <summary>Per variant: final and per-exit test accuracy, and the operating point's speedup and loss.</summary>
    public DataFrame Table()
    {
        var ops = Variants.Select(Operating).ToList();
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn("variant", Variants.Select(v => v.Name)),
            new DoubleDataFrameColumn("full acc. %", Variants.Select(v => Math.Round(v.FullAccuracy(TestLabels) * 100, 2))),
        };
        for (int k = 0; k < Config.ExitLayers.Length; k++)
        {
            int exit = k;
            columns.Add(new DoubleDataFrameColumn($"L{Config.ExitLayers[k]} %", Variants.Select(v => Math.Round(v.Test.ExitAccuracy(exit, TestLabels) * 100, 1))));
        }
        columns.Add(new DoubleDataFrameColumn("threshold", ops.Select(o => o.Threshold)));
        columns.Add(new DoubleDataFrameColumn("speedup", ops.Select(o => Math.Round(o.Test.Speedup, 2))));
        columns.Add(new DoubleDataFrameColumn("loss pt", ops.Select(o => Math.Round(o.TestLoss * 100, 2))));
        return new DataFrame(columns);
    }

    static byte[] Rgb(string hex) => new[]
    {
        byte.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber), byte.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber),
        byte.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber),
    };
}
