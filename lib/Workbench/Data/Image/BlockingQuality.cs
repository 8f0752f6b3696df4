namespace Workbench.Data.Image;

/// <summary>A no-reference quality score for JPEG-like images that tracks PSNR: the energy of the extra steps at 8x8
/// block boundaries, expressed like a PSNR in dB (higher is better). It stands in for RBQE's Tchebichef-moment score
/// (<see cref="TchebichefQuality"/>), which does not track PSNR on our small synthetic images.</summary>
/// <remarks>
/// Along every row and column, the step between adjacent pixels p and p+1 is compared with the mean of its two
/// neighbouring steps: e = d(p) - (d(p-1) + d(p+1)) / 2, zero on any smooth ramp. Blocking makes e large where p+1
/// starts a block. B = max(0, mean e² at boundaries - mean e² in the middle of blocks) is the energy of the boundary
/// steps over what texture alone gives, and the score is 10 log10(255² / (B + 1)): an image with no visible blocking
/// scores the ceiling, about 48.1 dB. It only sees blocking, not blur or ringing inside a block. Images are rounded to 8 bits first.
/// </remarks>
public static class BlockingQuality
{
    /// <summary>Block size of the codec.</summary>
    public const int Block = 8;

    /// <summary>The score in dB.</summary>
    public static double Score(GrayImage image) => 10 * Math.Log10(255.0 * 255.0 / (BoundaryExcessEnergy(image) + 1));

    /// <summary>The highest score, 10 log10(255²) ≈ 48.1 dB: no step energy at boundaries beyond that inside blocks.</summary>
    public static readonly double Ceiling = 10 * Math.Log10(255.0 * 255.0);

    /// <summary>B: mean squared excess step across block boundaries minus the same inside blocks (offsets 2..4), ≥ 0.</summary>
    public static double BoundaryExcessEnergy(GrayImage image)
    {
        var img = image.Quantized();
        double boundary = Excess(img, Block - 1);
        double inside = (Excess(img, 2) + Excess(img, 3) + Excess(img, 4)) / 3;
        return Math.Max(0, boundary - inside);
    }

    /// <summary>Mean e² for the step between offsets p and p+1 of every block, rows and columns together.</summary>
    static double Excess(GrayImage im, int p)
    {
        double sum = 0;
        long n = 0;
        for (int line = 0; line < im.Height; line++)
            for (int b = 0; b < im.Width; b += Block)
            {
                int c = b + p;
                if (c < 1 || c + 2 >= im.Width) continue;
                sum += Sq(im[line, c + 1] - im[line, c] - (im[line, c] - im[line, c - 1] + im[line, c + 2] - im[line, c + 1]) / 2);
                n++;
            }
        for (int line = 0; line < im.Width; line++)
            for (int b = 0; b < im.Height; b += Block)
            {
                int r = b + p;
                if (r < 1 || r + 2 >= im.Height) continue;
                sum += Sq(im[r + 1, line] - im[r, line] - (im[r, line] - im[r - 1, line] + im[r + 2, line] - im[r + 1, line]) / 2);
                n++;
            }
        return n == 0 ? 0 : sum / n;
    }

    static double Sq(double x) => x * x;

    /// <summary>Analytic FLOPs of one score (a few operations per pixel pair at four offsets per block), counted in exit costs.</summary>
    public static double Flops(int width, int height) => 2.0 * 4 * 8 * (double)width * height / Block;
}
