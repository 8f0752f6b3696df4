using static TorchSharp.torch;

namespace Workbench.Data.Procedural;

/// <summary>A generated scene: the image (RGB bytes, row-major [y, x, channel]) and the structured facts behind it.</summary>
/// <param name="Seed">The seed that reproduces it with the same options.</param>
/// <param name="Options">The options it was drawn with.</param>
/// <param name="Rgb">Pixels, Height x Width x 3 bytes.</param>
/// <param name="Objects">The objects, in drawing order.</param>
/// <param name="Clutter">The clutter level drawn for this scene, in [0, 1].</param>
public sealed record Scene(long Seed, SceneOptions Options, byte[] Rgb, IReadOnlyList<SceneObject> Objects, double Clutter)
{
    /// <summary>Canvas width in pixels.</summary>
    public int Width => Options.Width;

    /// <summary>Canvas height in pixels.</summary>
    public int Height => Options.Height;

    /// <summary>The largest object (first one on ties), or null in an empty scene.</summary>
    public SceneObject? Dominant => Objects.Count == 0 ? null : Objects.Aggregate((a, b) => b.Radius > a.Radius ? b : a);

    /// <summary>Classification label: index of the dominant object's kind in <see cref="SceneOptions.Kinds"/> (-1 when empty).</summary>
    public int Label => Dominant is { } d ? IndexOf(Options.Kinds, d.Kind) : -1;

    static int IndexOf(IReadOnlyList<ShapeKind> kinds, ShapeKind kind)
    {
        for (int i = 0; i < kinds.Count; i++) if (kinds[i] == kind) return i;
        return -1;
    }

    /// <summary>Channel <paramref name="channel"/> (0 R, 1 G, 2 B) of pixel (x, y).</summary>
    public byte this[int y, int x, int channel] => Rgb[(y * Width + x) * 3 + channel];

    /// <summary>The image as [row, col, channel] bytes (what <c>Figure.Image</c> draws).</summary>
    public byte[,,] ToRgbArray()
    {
        var a = new byte[Height, Width, 3];
        Buffer.BlockCopy(Rgb, 0, a, 0, Rgb.Length);
        return a;
    }

    /// <summary>Greyscale pixels (BT.601 luma), Height x Width bytes.</summary>
    public byte[] ToGray()
    {
        var g = new byte[Width * Height];
        for (int i = 0; i < g.Length; i++)
            g[i] = (byte)Math.Clamp(Math.Round(0.299 * Rgb[3 * i] + 0.587 * Rgb[3 * i + 1] + 0.114 * Rgb[3 * i + 2]), 0, 255);
        return g;
    }

    /// <summary>The image as a float tensor [3, H, W] with values in [0, 1].</summary>
    public Tensor ToTensor()
    {
        var f = new float[Rgb.Length];
        for (int i = 0; i < f.Length; i++) f[i] = Rgb[i] / 255f;
        return tensor(f, new long[] { Height, Width, 3 }).permute(2, 0, 1).contiguous();
    }

    /// <summary>Name of a grid cell: "top-left", "centre", … on a 3x3 grid; "row r, column c" otherwise.</summary>
    public string CellName(int row, int col)
    {
        int rows = Options.GridRows, cols = Options.GridCols;
        if (rows == 1 && cols == 1) return "middle";
        string? Part(int i, int n, string first, string mid, string last) =>
            n == 1 ? null : n == 2 ? (i == 0 ? first : last) : n == 3 ? (i == 0 ? first : i == 1 ? mid : last) : "";
        var r = Part(row, rows, "top", "middle", "bottom");
        var c = Part(col, cols, "left", "centre", "right");
        if (r == "" || c == "") return $"row {row + 1}, column {col + 1}";
        return r == null ? c! : c == null ? r : r == "middle" && c == "centre" ? "centre" : $"{r}-{c}";
    }

    /// <summary>The objects in one cell (at most one by construction).</summary>
    public IEnumerable<SceneObject> At(int row, int col) => Objects.Where(o => o.Row == row && o.Col == col);

    /// <summary>A caption listing every object with its cell, e.g. "a large red striped circle in the top-left cell;
    /// a small blue square in the centre cell".</summary>
    public string Caption()
    {
        if (Objects.Count == 0) return "an empty scene";
        double half = Math.Min(Width / (double)Options.GridCols, Height / (double)Options.GridRows) / 2;
        double span = Options.MaxSize - Options.MinSize;
        double small = half * (Options.MinSize + span / 3), large = half * (Options.MaxSize - span / 3);
        return string.Join("; ", Objects.Select(o =>
            o.Phrase(small, large) + (Options.GridRows * Options.GridCols > 1 ? $" in the {CellName(o.Row, o.Col)} cell" : "")));
    }

    /// <inheritdoc/>
    public override string ToString() => $"Scene {Width}x{Height} seed {Seed}, clutter {Clutter:0.00}: {Caption()}";
}
