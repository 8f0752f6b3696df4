namespace Workbench.Data.Procedural;

/// <summary>Shapes and textures as functions of a point in an object's own frame: (u, v) with the shape's half-extent
/// scaled to 1 and v pointing up. Rendering samples these; nothing here knows about pixels.</summary>
public static class ShapeGeometry
{
    /// <summary>True when (u, v) lies inside a unit-size shape of this kind.</summary>
    public static bool Inside(ShapeKind kind, double u, double v) => kind switch
    {
        ShapeKind.Circle => u * u + v * v <= 1,
        ShapeKind.Square => Math.Abs(u) <= 0.78 && Math.Abs(v) <= 0.78,
        ShapeKind.Triangle => InsideRegularPolygon(u, v + 0.12, 3, Math.PI / 2, 1.05),
        ShapeKind.Diamond => Math.Abs(u) / 0.6 + Math.Abs(v) <= 1,
        ShapeKind.Cross => (Math.Abs(u) <= 0.3 && Math.Abs(v) <= 0.95) || (Math.Abs(v) <= 0.3 && Math.Abs(u) <= 0.95),
        ShapeKind.Ring => u * u + v * v <= 1 && u * u + v * v >= 0.55 * 0.55,
        ShapeKind.Star => InsideStar(u, v, 5, 1.0, 0.45),
        ShapeKind.Hexagon => InsideRegularPolygon(u, v, 6, 0, 1.0),
        ShapeKind.Crescent => u * u + v * v <= 1 && (u - 0.45) * (u - 0.45) + v * v > 0.8 * 0.8,
        ShapeKind.Heart => InsideHeart(u * 1.15, v * 1.15 + 0.12),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown shape kind"),
    };

    /// <summary>A regular n-gon with circumradius r and a vertex at angle <paramref name="vertexAngle"/>: inside when the
    /// point is behind every edge (distance along each edge normal at most r cos(pi/n)).</summary>
    static bool InsideRegularPolygon(double u, double v, int n, double vertexAngle, double r)
    {
        double apothem = r * Math.Cos(Math.PI / n);
        for (int k = 0; k < n; k++)
        {
            double a = vertexAngle + (2 * k + 1) * Math.PI / n;
            if (u * Math.Cos(a) + v * Math.Sin(a) > apothem) return false;
        }
        return true;
    }

    /// <summary>A star with <paramref name="points"/> tips at radius <paramref name="outer"/>, the first pointing up,
    /// and notches at radius <paramref name="inner"/>: fold the angle into one half-sector, then test against its edge.</summary>
    static bool InsideStar(double u, double v, int points, double outer, double inner)
    {
        double r = Math.Sqrt(u * u + v * v);
        if (r > outer) return false;
        double sector = 2 * Math.PI / points;
        double a = Math.Atan2(v, u) - Math.PI / 2;
        a = ((a % sector) + sector) % sector;
        a = Math.Abs(a - sector / 2); // 0 at a notch, sector/2 at a tip
        double px = r * Math.Cos(a), py = r * Math.Sin(a);
        double ix = inner, iy = 0, ox = outer * Math.Cos(sector / 2), oy = outer * Math.Sin(sector / 2);
        // The point is inside when it is on the origin's side of the notch-to-tip edge.
        double side = (ox - ix) * (py - iy) - (oy - iy) * (px - ix);
        double originSide = (ox - ix) * (0 - iy) - (oy - iy) * (0 - ix);
        return Math.Sign(side) == Math.Sign(originSide) || side == 0;
    }

    /// <summary>The classic implicit heart: (x^2 + y^2 - 1)^3 - x^2 y^3 &lt;= 0.</summary>
    static bool InsideHeart(double x, double y)
    {
        double q = x * x + y * y - 1;
        return q * q * q - x * x * y * y * y <= 0;
    }

    /// <summary>How much of the object's colour a texture shows at (u, v): 1 = full colour, lower = the darker shade.
    /// <paramref name="grain"/> is a per-point random number in [0, 1) used by the noise texture.</summary>
    public static double Shade(Texture texture, double u, double v, double grain) => texture switch
    {
        Texture.Solid or Texture.Outline => 1,
        Texture.Stripes => Frac((u + v) * 1.8) < 0.5 ? 1 : 0.25,
        Texture.Checker => (((int)Math.Floor((u + 2) * 2.2) + (int)Math.Floor((v + 2) * 2.2)) & 1) == 0 ? 1 : 0.25,
        Texture.Dots => Square(Offset(u, 0.55)) + Square(Offset(v, 0.55)) < 0.17 * 0.17 ? 0.2 : 1,
        Texture.Gradient => 0.25 + 0.75 * Math.Clamp((u + 1) / 2, 0, 1),
        Texture.Noise => 0.2 + 0.8 * grain,
        Texture.Zigzag => Frac(v * 2.2 + 0.35 * Triangle(u * 3)) < 0.5 ? 1 : 0.25,
        Texture.Rings => Frac(Math.Sqrt(u * u + v * v) * 3) < 0.5 ? 1 : 0.25,
        _ => throw new ArgumentOutOfRangeException(nameof(texture), texture, "unknown texture"),
    };

    /// <summary>The fraction of an outlined shape's radius that stays hollow.</summary>
    public const double OutlineHollow = 0.6;

    static double Frac(double x) => x - Math.Floor(x);
    static double Triangle(double x) => Math.Abs(Frac(x) * 2 - 1);

    static double Square(double x) => x * x;

    /// <summary>Signed distance from x to the nearest multiple of <paramref name="spacing"/> (dots sit on that lattice).</summary>
    static double Offset(double x, double spacing) => (Frac(x / spacing + 0.5) - 0.5) * spacing;
}
