namespace Workbench.Data.Image;

/// <summary>RBQE's no-reference quality score for JPEG-compressed images, from Tchebichef moments of 8x8 patches that
/// straddle block corners (so a blocking step falls inside the patch). Higher is better, in [0, 1].</summary>
/// <remarks>
/// Per patch, moments M = P·I·Pᵀ of the patch scaled to unit energy with its mean removed (P: the orthonormal discrete
/// Tchebichef polynomials of orders 0..7). Textured patches (moment energy without DC above 0.004) get a sharpness score,
/// 1 - mean SSIM-like similarity of their moments with those of a Gaussian-blurred copy (a blurred patch barely changes
/// when blurred again). Smooth patches get a blocking score from the share of the highest-order row and column moments,
/// clipped at 0.05 and log-scaled to [0, 1]: JPEG at a low quality factor zeroes high frequencies, leaving each block a
/// flat tile. Score = blocking^0.9 · sharpness^0.1 (the reference MATLAB code's weights). Two choices of ours: the
/// image is rounded to 8 bits first (the reference reads uint8 files), and exactly flat patches, which the reference
/// scores as fully blocky although no artefact can be seen in them, are skipped; the blur pads by repeating edges.
/// </remarks>
public static class TchebichefQuality
{
    /// <summary>Patch size (the JPEG block).</summary>
    public const int N = 8;

    /// <summary>Moment energy (without DC) above which a patch counts as textured.</summary>
    public const double TexturedAbove = 0.004;

    /// <summary>Clip of the high-order moment share in smooth patches.</summary>
    public const double ShareClip = 0.05;

    const double C = 1e-5, BlockWeight = 0.9, BlurWeight = 0.1;

    /// <summary>Orthonormal discrete Tchebichef polynomials P[order, x] on x = 0..7 (Gram–Schmidt on 1, x, x², …; the
    /// same polynomials as the three-term recurrence up to sign, which no part of the score depends on).</summary>
    public static readonly double[,] Basis = BuildBasis();

    static double[,] BuildBasis()
    {
        var p = new double[N, N];
        for (int order = 0; order < N; order++)
        {
            var v = new double[N];
            for (int x = 0; x < N; x++) v[x] = Math.Pow(x - (N - 1) / 2.0, order);
            for (int k = 0; k < order; k++)
            {
                double dot = 0;
                for (int x = 0; x < N; x++) dot += v[x] * p[k, x];
                for (int x = 0; x < N; x++) v[x] -= dot * p[k, x];
            }
            double norm = Math.Sqrt(v.Sum(a => a * a));
            for (int x = 0; x < N; x++) p[order, x] = v[x] / norm;
        }
        return p;
    }

    /// <summary>Moments of one patch (row-major 8x8) after scaling it to unit energy and removing its mean.</summary>
    public static double[] Moments(ReadOnlySpan<double> patch)
    {
        double energy = 0, mean = 0;
        foreach (var v in patch) energy += v * v;
        double scale = energy > 0 ? 1 / Math.Sqrt(energy) : 0;
        var img = new double[N * N];
        for (int i = 0; i < img.Length; i++) mean += img[i] = patch[i] * scale;
        mean /= img.Length;
        for (int i = 0; i < img.Length; i++) img[i] -= mean;
        var tmp = new double[N * N];
        for (int p = 0; p < N; p++)
            for (int x = 0; x < N; x++)
            {
                double s = 0;
                for (int y = 0; y < N; y++) s += Basis[p, y] * img[y * N + x];
                tmp[p * N + x] = s;
            }
        var m = new double[N * N];
        for (int p = 0; p < N; p++)
            for (int q = 0; q < N; q++)
            {
                double s = 0;
                for (int x = 0; x < N; x++) s += tmp[p * N + x] * Basis[q, x];
                m[p * N + q] = s;
            }
        return m;
    }

    /// <summary>The score of an image (any size of at least 16x16); 1 when no patch can be judged.</summary>
    public static double Score(GrayImage image) => Assess(image).Score;

    /// <summary>The score with its two parts and how many patches of each kind went into them.</summary>
    public static (double Score, double Blocking, double Sharpness, int Smooth, int Textured) Assess(GrayImage image)
    {
        var img = image.Quantized();
        int rows = img.Height / N - 1, cols = img.Width / N - 1;
        double blocking = 0, sharpness = 0;
        int smooth = 0, textured = 0;
        var patch = new double[N * N];
        for (int pr = 0; pr < rows; pr++)
            for (int pc = 0; pc < cols; pc++)
            {
                int top = pr * N + N / 2, left = pc * N + N / 2;
                bool flat = true;
                for (int y = 0; y < N; y++)
                    for (int x = 0; x < N; x++)
                    {
                        patch[y * N + x] = img[top + y, left + x] / 255.0;
                        flat &= patch[y * N + x] == patch[0];
                    }
                if (flat) continue;
                var m = Moments(patch);
                double ac = 0;
                for (int i = 1; i < m.Length; i++) ac += m[i] * m[i];
                if (ac > TexturedAbove)
                {
                    var mb = Moments(Blur(patch));
                    double sim = 0;
                    for (int i = 0; i < m.Length; i++) sim += (2 * m[i] * mb[i] + C) / (m[i] * m[i] + mb[i] * mb[i] + C);
                    sharpness += 1 - sim / m.Length;
                    textured++;
                }
                else
                {
                    double total = -Math.Abs(m[0]), lastRow = 0, lastCol = 0;
                    for (int i = 0; i < m.Length; i++) total += Math.Abs(m[i]);
                    for (int j = 0; j < N; j++) { lastRow += Math.Abs(m[(N - 1) * N + j]); lastCol += Math.Abs(m[j * N + N - 1]); }
                    double qv = Math.Min(lastRow / (total + C), ShareClip), qh = Math.Min(lastCol / (total + C), ShareClip);
                    blocking += Math.Log(1 - (qv + qh) / 2) / Math.Log(1 - ShareClip);
                    smooth++;
                }
            }
        double b = smooth > 0 ? blocking / smooth : 1, s = textured > 0 ? sharpness / textured : 1;
        return (Math.Pow(b, BlockWeight) * Math.Pow(s, BlurWeight), b, s, smooth, textured);
    }

    /// <summary>3x3 Gaussian (σ = 5, nearly a box filter, as in the reference) with edges repeated.</summary>
    static double[] Blur(double[] patch)
    {
        var k = new double[3];
        for (int i = 0; i < 3; i++) k[i] = Math.Exp(-(i - 1) * (i - 1) / (2.0 * 25));
        double sum = k.Sum();
        for (int i = 0; i < 3; i++) k[i] /= sum;
        var result = new double[N * N];
        for (int y = 0; y < N; y++)
            for (int x = 0; x < N; x++)
            {
                double s = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                        s += k[dy + 1] * k[dx + 1] * patch[Math.Clamp(y + dy, 0, N - 1) * N + Math.Clamp(x + dx, 0, N - 1)];
                result[y * N + x] = s;
            }
        return result;
    }

    /// <summary>Rough analytic FLOPs of one score on a width x height image (moments of every patch, blurred moments
    /// of the textured ones counted for all): small next to a convolution layer, but counted in exit costs.</summary>
    public static double Flops(int width, int height) => (width / N - 1) * (height / N - 1) * 2.0 * (4.0 * N * N * N + 9 * N * N + 6 * N * N);
}
