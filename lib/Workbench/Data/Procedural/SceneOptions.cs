namespace Workbench.Data.Procedural;

/// <summary>What scenes a <see cref="SceneGenerator"/> draws: canvas, grid, how many objects, which kinds, colours and
/// textures, how large, how much clutter. Every field has a default; presets cover the common tasks.</summary>
/// <remarks>Objects sit in distinct cells of a <see cref="GridRows"/> x <see cref="GridCols"/> grid over the canvas, so
/// "which cell" is a well-defined fact of the scene (questions about positions, captions). Sizes are fractions of half
/// a cell. Clutter (short strokes, specks, pixel noise) is drawn behind the objects; its level is drawn uniformly from
/// [<see cref="MinClutter"/>, <see cref="MaxClutter"/>] per scene.</remarks>
public sealed record SceneOptions
{
    /// <summary>Canvas width in pixels.</summary>
    public int Width { get; init; } = 28;

    /// <summary>Canvas height in pixels.</summary>
    public int Height { get; init; } = 28;

    /// <summary>Grid rows (objects occupy distinct cells).</summary>
    public int GridRows { get; init; } = 1;

    /// <summary>Grid columns.</summary>
    public int GridCols { get; init; } = 1;

    /// <summary>Fewest objects per scene.</summary>
    public int MinObjects { get; init; } = 1;

    /// <summary>Most objects per scene (at most the number of cells).</summary>
    public int MaxObjects { get; init; } = 1;

    /// <summary>Shape kinds to draw from; a classification label is the index of the dominant object's kind here.</summary>
    public IReadOnlyList<ShapeKind> Kinds { get; init; } = SceneVocabulary.Kinds;

    /// <summary>Colours to draw from.</summary>
    public IReadOnlyList<SceneColour> Colours { get; init; } = SceneVocabulary.Colours;

    /// <summary>Textures to draw from (default: the in-distribution set).</summary>
    public IReadOnlyList<Texture> Textures { get; init; } = SceneVocabulary.InDistributionTextures;

    /// <summary>Smallest object radius as a fraction of half a cell.</summary>
    public double MinSize { get; init; } = 0.6;

    /// <summary>Largest object radius as a fraction of half a cell.</summary>
    public double MaxSize { get; init; } = 0.95;

    /// <summary>Lowest clutter level (0 = clean background).</summary>
    public double MinClutter { get; init; }

    /// <summary>Highest clutter level (1 = about ten strokes and specks per 28x28 area plus strong pixel noise).</summary>
    public double MaxClutter { get; init; } = 0.3;

    /// <summary>Whether shapes are rotated by a random angle.</summary>
    public bool Rotate { get; init; } = true;

    /// <summary>Background colour.</summary>
    public SceneColour Background { get; init; } = new("black", 0, 0, 0);

    /// <summary>Sub-samples per pixel side for anti-aliased edges (1 = none).</summary>
    public int Supersample { get; init; } = 3;

    /// <summary>One shape per 28x28 image, labelled by its kind: the procedural stand-in for Fashion-MNIST.</summary>
    public static SceneOptions Classification(int size = 28) => new() { Width = size, Height = size };

    /// <summary>Several objects on a grid (e.g. 3x3 cells on a 48x48 canvas): the "coloured shapes on a grid" scenes
    /// for question answering and captions.</summary>
    public static SceneOptions Grid(int rows = 3, int cols = 3, int cellPixels = 16, int minObjects = 2, int maxObjects = 5) => new()
    {
        Width = cols * cellPixels, Height = rows * cellPixels, GridRows = rows, GridCols = cols,
        MinObjects = minObjects, MaxObjects = maxObjects, MinSize = 0.55, MaxSize = 0.9, MaxClutter = 0.2,
    };

    /// <summary>The out-of-distribution variant of these scenes: held-out textures and heavy clutter, same kinds.</summary>
    public SceneOptions OutOfDistribution() => this with
    {
        Textures = SceneVocabulary.HeldOutTextures, MinClutter = Math.Max(MaxClutter, 0.6), MaxClutter = 1.0,
    };

    /// <summary>Throws one clear line when the options cannot produce a scene.</summary>
    public void Validate()
    {
        string? problem =
            Width < 4 || Height < 4 ? $"canvas {Width}x{Height} is too small (at least 4x4)" :
            GridRows < 1 || GridCols < 1 ? $"grid {GridRows}x{GridCols} needs at least one cell" :
            MinObjects < 0 || MaxObjects < MinObjects ? $"object count range [{MinObjects}, {MaxObjects}] is empty" :
            MaxObjects > GridRows * GridCols ? $"up to {MaxObjects} objects do not fit in {GridRows * GridCols} grid cells" :
            Kinds.Count == 0 ? "no shape kinds to draw from" :
            Colours.Count == 0 ? "no colours to draw from" :
            Textures.Count == 0 ? "no textures to draw from" :
            MinSize <= 0 || MaxSize < MinSize || MaxSize > 1 ? $"size range [{MinSize}, {MaxSize}] must lie in (0, 1]" :
            MinClutter < 0 || MaxClutter < MinClutter || MaxClutter > 1 ? $"clutter range [{MinClutter}, {MaxClutter}] must lie in [0, 1]" :
            Supersample < 1 || Supersample > 8 ? $"supersample {Supersample} must be 1..8" :
            null;
        if (problem != null) throw new ArgumentException("scene options: " + problem);
    }
}
