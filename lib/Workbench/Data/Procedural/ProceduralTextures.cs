using Workbench.Data.Image;

namespace Workbench.Data.Procedural;

/// <summary>Greyscale texture images for image restoration: fractal noise, oriented gratings and piecewise-smooth
/// shapes with sharp edges, each with a random amount of fine grain. Between them they hold smooth areas (where JPEG
/// blocks show), edges (where it rings) and fine texture (which it blurs away). Deterministic per seed and index.</summary>
public static class ProceduralTextures
{
    /// <summary>The kinds of texture, drawn in turn.</summary>
    public enum Kind { FractalNoise, Gratings, Shapes }

    /// <summary><paramref name="count"/> images of <paramref name="size"/> x <paramref name="size"/> pixels; image i is
    /// of kind i mod 3 and depends only on (seed, i).</summary>
    public static IReadOnlyList<GrayImage> Generate(int count, long seed, int size = 64) =>
        Enumerable.Range(0, count).Select(i => One((Kind)(i % 3), SceneRandom.Derive(seed, i), size)).ToList();

    /// <summary>One image of a kind.</summary>
    public static GrayImage One(Kind kind, long seed, int size = 64)
    {
        var rng = new SceneRandom(seed);
        var px = kind switch
        {
            Kind.FractalNoise => FractalNoise(rng, size),
            Kind.Gratings => Gratings(rng, size),
            _ => Shapes(rng, size),
        };
        double grain = rng.Uniform(0, 5); // sensor-like grain, 0..5 grey levels
        for (int i = 0; i < px.Length; i++) px[i] = Math.Clamp(Math.Round(px[i] + grain * Gaussian(rng)), 0, 255);
        return new GrayImage(size, size, px);
    }

    static double Gaussian(SceneRandom rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>Value noise summed over octaves (persistence 0.4..0.7), stretched to a random contrast.</summary>
    static double[] FractalNoise(SceneRandom rng, int size)
    {
        var px = new double[size * size];
        double persistence = rng.Uniform(0.4, 0.7), amp = 1;
        for (int cells = rng.Between(2, 4); cells <= size / 2; cells *= 2, amp *= persistence)
        {
            var lattice = new double[(cells + 1) * (cells + 1)];
            for (int i = 0; i < lattice.Length; i++) lattice[i] = rng.Uniform(-1, 1);
            for (int r = 0; r < size; r++)
                for (int c = 0; c < size; c++)
                {
                    double y = (double)r * cells / size, x = (double)c * cells / size;
                    int y0 = (int)y, x0 = (int)x;
                    double fy = Smooth(y - y0), fx = Smooth(x - x0);
                    double v = (1 - fy) * ((1 - fx) * lattice[y0 * (cells + 1) + x0] + fx * lattice[y0 * (cells + 1) + x0 + 1])
                             + fy * ((1 - fx) * lattice[(y0 + 1) * (cells + 1) + x0] + fx * lattice[(y0 + 1) * (cells + 1) + x0 + 1]);
                    px[r * size + c] += amp * v;
                }
        }
        return Stretch(px, rng);
    }

    static double Smooth(double t) => t * t * (3 - 2 * t);

    /// <summary>One to three sinusoidal gratings (periods 3..24 pixels, any orientation), some under a soft window.</summary>
    static double[] Gratings(SceneRandom rng, int size)
    {
        var px = new double[size * size];
        int n = rng.Between(1, 3);
        for (int g = 0; g < n; g++)
        {
            double angle = rng.Uniform(0, Math.PI), period = Math.Exp(rng.Uniform(Math.Log(3), Math.Log(24))), phase = rng.Uniform(0, 2 * Math.PI);
            double cx = rng.Uniform(0, size), cy = rng.Uniform(0, size), radius = rng.NextDouble() < 0.5 ? double.PositiveInfinity : rng.Uniform(size / 6.0, size / 2.0);
            double amp = rng.Uniform(0.3, 1);
            for (int r = 0; r < size; r++)
                for (int c = 0; c < size; c++)
                {
                    double t = (c * Math.Cos(angle) + r * Math.Sin(angle)) * 2 * Math.PI / period + phase;
                    double d2 = ((c - cx) * (c - cx) + (r - cy) * (r - cy)) / (radius * radius);
                    px[r * size + c] += amp * Math.Sin(t) * Math.Exp(-d2);
                }
        }
        return Stretch(px, rng);
    }

    /// <summary>A smooth gradient background with 2..6 discs and rectangles, each filled with its own gradient.</summary>
    static double[] Shapes(SceneRandom rng, int size)
    {
        var px = new double[size * size];
        double a = rng.Uniform(-1, 1), b = rng.Uniform(-1, 1), level = rng.Uniform(-0.5, 0.5);
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++) px[r * size + c] = level + 0.5 * (a * c + b * r) / size;
        int n = rng.Between(2, 6);
        for (int s = 0; s < n; s++)
        {
            bool disc = rng.NextDouble() < 0.5;
            double cx = rng.Uniform(0, size), cy = rng.Uniform(0, size), rx = rng.Uniform(4, size / 3.0), ry = disc ? rx : rng.Uniform(4, size / 3.0);
            double fill = rng.Uniform(-1, 1), gx = rng.Uniform(-1, 1), gy = rng.Uniform(-1, 1);
            for (int r = 0; r < size; r++)
                for (int c = 0; c < size; c++)
                {
                    double dx = (c - cx) / rx, dy = (r - cy) / ry;
                    bool inside = disc ? dx * dx + dy * dy <= 1 : Math.Abs(dx) <= 1 && Math.Abs(dy) <= 1;
                    if (inside) px[r * size + c] = fill + 0.3 * (gx * dx + gy * dy);
                }
        }
        return Stretch(px, rng);
    }

    /// <summary>Maps values to a random mean (70..185) and range (60..220 grey levels).</summary>
    static double[] Stretch(double[] px, SceneRandom rng)
    {
        double min = px.Min(), max = px.Max(), range = Math.Max(max - min, 1e-9);
        double contrast = rng.Uniform(60, 220), centre = rng.Uniform(70, 185);
        return px.Select(v => centre + contrast * ((v - min) / range - 0.5)).ToArray();
    }
}
