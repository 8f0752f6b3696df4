namespace Workbench.Data.Procedural;

/// <summary>Draws scenes of coloured, textured shapes on a grid over optional clutter, deterministically from a seed.</summary>
/// <remarks>
/// One generator serves every task that needs synthetic images with known content: shape classification (the
/// Fashion-MNIST stand-in), out-of-distribution sets (held-out textures, heavy clutter), and question answering or
/// captioning over "coloured shapes on a grid". <c>Generate(seed)</c> always returns the same scene for the same options
/// and seed; <c>Generate(count, seed)</c> derives one independent seed per item.
/// </remarks>
public sealed class SceneGenerator
{
    /// <summary>Creates a generator; throws one clear line when the options are inconsistent.</summary>
    public SceneGenerator(SceneOptions? options = null)
    {
        Options = options ?? new SceneOptions();
        Options.Validate();
    }

    /// <summary>The options every scene is drawn with.</summary>
    public SceneOptions Options { get; }

    /// <summary><paramref name="count"/> scenes; item i is <c>Generate(SceneRandom.Derive(seed, i))</c>.</summary>
    public IReadOnlyList<Scene> Generate(int count, long seed)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), "count must be non-negative");
        var scenes = new Scene[count];
        Parallel.For(0, count, i => scenes[i] = Generate(SceneRandom.Derive(seed, i)));
        return scenes;
    }

    /// <summary>The scene for one seed.</summary>
    public Scene Generate(long seed)
    {
        var o = Options;
        var rng = new SceneRandom(seed);
        double clutter = rng.Uniform(o.MinClutter, o.MaxClutter);
        double cellW = o.Width / (double)o.GridCols, cellH = o.Height / (double)o.GridRows, half = Math.Min(cellW, cellH) / 2;

        int count = rng.Between(o.MinObjects, o.MaxObjects);
        var cells = rng.Permutation(o.GridRows * o.GridCols);
        var objects = new List<SceneObject>(count);
        for (int i = 0; i < count; i++)
        {
            int row = cells[i] / o.GridCols, col = cells[i] % o.GridCols;
            double radius = rng.Uniform(o.MinSize, o.MaxSize) * half;
            // Jitter keeps the whole shape inside its cell.
            double jx = Math.Max(0, cellW / 2 - radius), jy = Math.Max(0, cellH / 2 - radius);
            objects.Add(new SceneObject(rng.Pick(o.Kinds), rng.Pick(o.Colours), rng.Pick(o.Textures), row, col,
                (col + 0.5) * cellW + rng.Uniform(-jx, jx), (row + 0.5) * cellH + rng.Uniform(-jy, jy),
                radius, o.Rotate ? rng.Uniform(0, 2 * Math.PI) : 0));
        }

        var canvas = new Canvas(o.Width, o.Height, o.Supersample, o.Background);
        DrawClutter(canvas, rng, clutter);
        ulong grainSalt = rng.NextBits();
        foreach (var obj in objects) DrawObject(canvas, obj, grainSalt);
        return new Scene(seed, o, canvas.ToBytes(), objects, clutter);
    }

    /// <summary>Pixel noise plus short strokes and specks in muted palette colours, all behind the objects.</summary>
    void DrawClutter(Canvas canvas, SceneRandom rng, double level)
    {
        if (level <= 0) return;
        canvas.AddNoise(rng, amplitude: 70 * level);
        int items = (int)Math.Round(level * 10 * canvas.Width * canvas.Height / 784.0);
        for (int i = 0; i < items; i++)
        {
            var c = rng.Pick(Options.Colours);
            double bright = rng.Uniform(0.35, 0.8);
            var colour = (c.R * bright, c.G * bright, c.B * bright);
            double x = rng.Uniform(0, canvas.Width), y = rng.Uniform(0, canvas.Height);
            if (rng.NextDouble() < 0.6)
            {
                double angle = rng.Uniform(0, Math.PI), length = rng.Uniform(3, 10);
                double x2 = x + length * Math.Cos(angle), y2 = y + length * Math.Sin(angle), width = rng.Uniform(0.4, 0.8);
                canvas.Paint(Math.Min(x, x2) - 1, Math.Min(y, y2) - 1, Math.Max(x, x2) + 1, Math.Max(y, y2) + 1,
                    (px, py) => SegmentDistance(px, py, x, y, x2, y2) <= width ? colour : null);
            }
            else
            {
                double r = rng.Uniform(0.7, 2.0);
                canvas.Paint(x - r, y - r, x + r, y + r, (px, py) => (px - x) * (px - x) + (py - y) * (py - y) <= r * r ? colour : null);
            }
        }
    }

    static void DrawObject(Canvas canvas, SceneObject obj, ulong grainSalt)
    {
        double cos = Math.Cos(obj.Rotation), sin = Math.Sin(obj.Rotation), r = obj.Radius * 1.05;
        var c = obj.Colour;
        canvas.Paint(obj.X - r, obj.Y - r, obj.X + r, obj.Y + r, (px, py) =>
        {
            // Object frame: unit half-extent, v up, rotated with the shape (so stripes turn with it).
            double dx = px - obj.X, dy = obj.Y - py;
            double u = (dx * cos + dy * sin) / obj.Radius, v = (-dx * sin + dy * cos) / obj.Radius;
            if (!ShapeGeometry.Inside(obj.Kind, u, v)) return null;
            if (obj.Texture == Texture.Outline && ShapeGeometry.Inside(obj.Kind, u / ShapeGeometry.OutlineHollow, v / ShapeGeometry.OutlineHollow))
                return null;
            double shade = ShapeGeometry.Shade(obj.Texture, u, v, Grain(px, py, grainSalt));
            return (c.R * shade, c.G * shade, c.B * shade);
        });
    }

    /// <summary>A random number in [0, 1) fixed per pixel of the canvas (so the noise texture has pixel-sized grain).</summary>
    static double Grain(double px, double py, ulong salt)
    {
        long key = ((long)Math.Floor(px) << 20) ^ (long)Math.Floor(py);
        return new SceneRandom(SceneRandom.Derive((long)salt, key)).NextDouble();
    }

    static double SegmentDistance(double px, double py, double x1, double y1, double x2, double y2)
    {
        double dx = x2 - x1, dy = y2 - y1, len2 = dx * dx + dy * dy;
        double t = len2 == 0 ? 0 : Math.Clamp(((px - x1) * dx + (py - y1) * dy) / len2, 0, 1);
        double ex = px - (x1 + t * dx), ey = py - (y1 + t * dy);
        return Math.Sqrt(ex * ex + ey * ey);
    }

    /// <summary>A float RGB canvas painted with supersampled coverage (anti-aliased edges).</summary>
    sealed class Canvas(int width, int height, int supersample, SceneColour background)
    {
        readonly double[] _rgb = Fill(width * height, background);
        public int Width => width;
        public int Height => height;

        static double[] Fill(int pixels, SceneColour bg)
        {
            var a = new double[pixels * 3];
            for (int i = 0; i < pixels; i++) { a[3 * i] = bg.R; a[3 * i + 1] = bg.G; a[3 * i + 2] = bg.B; }
            return a;
        }

        public void AddNoise(SceneRandom rng, double amplitude)
        {
            for (int i = 0; i < width * height; i++)
            {
                double n = rng.Uniform(0, amplitude);
                for (int ch = 0; ch < 3; ch++) _rgb[3 * i + ch] += n;
            }
        }

        /// <summary>Paints the pixels of a bounding box: each pixel becomes the mean over its sub-samples of the colour
        /// returned at the sub-sample, or of the pixel's old colour where <paramref name="colourAt"/> returns null.</summary>
        public void Paint(double x0, double y0, double x1, double y1, Func<double, double, (double R, double G, double B)?> colourAt)
        {
            int cx0 = Math.Max(0, (int)Math.Floor(x0)), cy0 = Math.Max(0, (int)Math.Floor(y0));
            int cx1 = Math.Min(width - 1, (int)Math.Ceiling(x1)), cy1 = Math.Min(height - 1, (int)Math.Ceiling(y1));
            int s = supersample;
            double n = s * s;
            for (int y = cy0; y <= cy1; y++)
                for (int x = cx0; x <= cx1; x++)
                {
                    int idx = 3 * (y * width + x);
                    double r = 0, g = 0, b = 0;
                    int hits = 0;
                    for (int sy = 0; sy < s; sy++)
                        for (int sx = 0; sx < s; sx++)
                            if (colourAt(x + (sx + 0.5) / s, y + (sy + 0.5) / s) is { } c)
                            {
                                r += c.R; g += c.G; b += c.B;
                                hits++;
                            }
                    if (hits == 0) continue;
                    double keep = (n - hits) / n;
                    _rgb[idx] = _rgb[idx] * keep + r / n;
                    _rgb[idx + 1] = _rgb[idx + 1] * keep + g / n;
                    _rgb[idx + 2] = _rgb[idx + 2] * keep + b / n;
                }
        }

        public byte[] ToBytes() => _rgb.Select(v => (byte)Math.Clamp(Math.Round(v), 0, 255)).ToArray();
    }
}
