namespace Workbench.Data.Procedural;

/// <summary>The kinds of shape a scene can hold. The first ten are the classification labels of the procedural
/// stand-in for Fashion-MNIST (label = index in <see cref="SceneOptions.Kinds"/>).</summary>
public enum ShapeKind { Circle, Square, Triangle, Diamond, Cross, Ring, Star, Hexagon, Crescent, Heart }

/// <summary>How a shape's surface is filled. <see cref="Noise"/>, <see cref="Zigzag"/> and <see cref="Rings"/> are held
/// out of the default (in-distribution) set and used for out-of-distribution scenes.</summary>
public enum Texture { Solid, Stripes, Checker, Dots, Gradient, Outline, Noise, Zigzag, Rings }

/// <summary>A named colour (sRGB bytes).</summary>
public sealed record SceneColour(string Name, byte R, byte G, byte B)
{
    /// <summary>Perceived brightness in [0, 255] (ITU-R BT.601 luma), used for greyscale images.</summary>
    public double Luma => 0.299 * R + 0.587 * G + 0.114 * B;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>The vocabulary of scenes: colour palette and texture sets, shared by every task built on the generator.</summary>
public static class SceneVocabulary
{
    /// <summary>Ten distinguishable colours with plain names (for captions and questions).</summary>
    public static readonly IReadOnlyList<SceneColour> Colours = new SceneColour[]
    {
        new("red", 230, 40, 40), new("orange", 245, 140, 20), new("yellow", 240, 225, 40), new("green", 50, 190, 60),
        new("cyan", 40, 210, 220), new("blue", 50, 90, 235), new("purple", 150, 60, 210), new("pink", 245, 120, 190),
        new("white", 245, 245, 245), new("grey", 150, 150, 150),
    };

    /// <summary>Every shape kind, in label order.</summary>
    public static readonly IReadOnlyList<ShapeKind> Kinds = Enum.GetValues<ShapeKind>();

    /// <summary>Textures seen in training (in-distribution).</summary>
    public static readonly IReadOnlyList<Texture> InDistributionTextures =
        new[] { Texture.Solid, Texture.Stripes, Texture.Checker, Texture.Dots, Texture.Gradient, Texture.Outline };

    /// <summary>Textures never seen in training (out-of-distribution).</summary>
    public static readonly IReadOnlyList<Texture> HeldOutTextures = new[] { Texture.Noise, Texture.Zigzag, Texture.Rings };

    /// <summary>The colour with this name (case-insensitive); throws naming the known colours otherwise.</summary>
    public static SceneColour Colour(string name) =>
        Colours.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown colour '{name}' (known: {string.Join(", ", Colours.Select(c => c.Name))})", nameof(name));

    /// <summary>Lower-case word for a kind or texture, as used in captions ("circle", "striped").</summary>
    public static string Word(ShapeKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Adjective for a texture in captions.</summary>
    public static string Word(Texture texture) => texture switch
    {
        Texture.Solid => "solid", Texture.Stripes => "striped", Texture.Checker => "checkered", Texture.Dots => "dotted",
        Texture.Gradient => "shaded", Texture.Outline => "outlined", Texture.Noise => "speckled", Texture.Zigzag => "zigzag",
        Texture.Rings => "ringed", _ => texture.ToString().ToLowerInvariant(),
    };
}
