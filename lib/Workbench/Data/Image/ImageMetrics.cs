namespace Workbench.Data.Image;

/// <summary>Full-reference measures of a degraded or enhanced image against its original.</summary>
public static class ImageMetrics
{
    /// <summary>Mean squared error on the 0..255 scale.</summary>
    public static double Mse(GrayImage reference, GrayImage image)
    {
        if (reference.Width != image.Width || reference.Height != image.Height)
            throw new ArgumentException($"images differ in size: {reference.Width}x{reference.Height} vs {image.Width}x{image.Height}");
        double s = 0;
        for (int i = 0; i < reference.Pixels.Length; i++)
        {
            double d = reference.Pixels[i] - image.Pixels[i];
            s += d * d;
        }
        return s / reference.Pixels.Length;
    }

    /// <summary>Peak signal-to-noise ratio in dB: 10 log10(255² / MSE); identical images are capped at 100 dB.</summary>
    public static double Psnr(GrayImage reference, GrayImage image)
    {
        double mse = Mse(reference, image);
        return mse <= 1e-10 ? 100 : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>How much stronger steps are across 8x8 block boundaries than inside blocks: mean absolute difference of
    /// horizontally and vertically adjacent pixels that straddle a boundary, over the mean of those that do not.
    /// About 1 for natural images; above 1 when blocks are visible. A flat image gives 1.</summary>
    public static double BlockBoundaryRatio(GrayImage image, int block = 8)
    {
        double across = 0, inside = 0;
        long nAcross = 0, nInside = 0;
        for (int r = 0; r < image.Height; r++)
            for (int c = 0; c + 1 < image.Width; c++)
            {
                double d = Math.Abs(image[r, c + 1] - image[r, c]);
                if ((c + 1) % block == 0) { across += d; nAcross++; } else { inside += d; nInside++; }
            }
        for (int r = 0; r + 1 < image.Height; r++)
            for (int c = 0; c < image.Width; c++)
            {
                double d = Math.Abs(image[r + 1, c] - image[r, c]);
                if ((r + 1) % block == 0) { across += d; nAcross++; } else { inside += d; nInside++; }
            }
        double a = nAcross == 0 ? 0 : across / nAcross, b = nInside == 0 ? 0 : inside / nInside;
        return a < 1e-12 && b < 1e-12 ? 1 : a / Math.Max(b, 1e-12);
    }
}
