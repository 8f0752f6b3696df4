namespace Workbench.Data.Image;

/// <summary>A greyscale image with pixel values on the 0..255 scale (doubles, so decoded and enhanced images need no
/// rounding until they are shown), row-major.</summary>
public sealed record GrayImage(int Width, int Height, double[] Pixels)
{
    /// <summary>Pixel at row <paramref name="r"/>, column <paramref name="c"/>.</summary>
    public double this[int r, int c] => Pixels[r * Width + c];

    /// <summary>Image <paramref name="index"/> of an <see cref="ImageSet"/>.</summary>
    public static GrayImage From(ImageSet set, int index)
    {
        var px = new double[set.Rows * set.Cols];
        for (int i = 0; i < px.Length; i++) px[i] = set.Pixels[(long)index * px.Length + i];
        return new GrayImage(set.Cols, set.Rows, px);
    }

    /// <summary>Rounded and clipped to bytes, as an 8-bit file would store it.</summary>
    public GrayImage Quantized() => new(Width, Height, Pixels.Select(v => Math.Clamp(Math.Round(v), 0, 255)).ToArray());

    /// <summary>Bilinear resize (pixel centres aligned), e.g. Fashion-MNIST's 28x28 up to 64x64.</summary>
    public GrayImage Resize(int width, int height)
    {
        var px = new double[width * height];
        for (int r = 0; r < height; r++)
        {
            double y = Math.Clamp((r + 0.5) * Height / height - 0.5, 0, Height - 1);
            int y0 = (int)y, y1 = Math.Min(y0 + 1, Height - 1);
            double fy = y - y0;
            for (int c = 0; c < width; c++)
            {
                double x = Math.Clamp((c + 0.5) * Width / width - 0.5, 0, Width - 1);
                int x0 = (int)x, x1 = Math.Min(x0 + 1, Width - 1);
                double fx = x - x0;
                px[r * width + c] = (1 - fy) * ((1 - fx) * this[y0, x0] + fx * this[y0, x1]) + fy * ((1 - fx) * this[y1, x0] + fx * this[y1, x1]);
            }
        }
        return new GrayImage(width, height, px);
    }

    /// <summary>Values scaled to [0, 1] as [row, col] (what <see cref="Viz.Figure.Image(double[,], string?)"/> draws).</summary>
    public double[,] ToUnit()
    {
        var z = new double[Height, Width];
        for (int r = 0; r < Height; r++)
            for (int c = 0; c < Width; c++) z[r, c] = Math.Clamp(this[r, c] / 255.0, 0, 1);
        return z;
    }
}
