namespace Workbench.Data.Procedural;

/// <summary>One object of a scene, as drawn.</summary>
/// <param name="Kind">Its shape.</param>
/// <param name="Colour">Its colour.</param>
/// <param name="Texture">How its surface is filled.</param>
/// <param name="Row">Grid row of its cell (0 = top).</param>
/// <param name="Col">Grid column of its cell (0 = left).</param>
/// <param name="X">Centre x in pixels (0 = left edge).</param>
/// <param name="Y">Centre y in pixels (0 = top edge).</param>
/// <param name="Radius">Half-extent in pixels.</param>
/// <param name="Rotation">Rotation in radians (counter-clockwise).</param>
public sealed record SceneObject(ShapeKind Kind, SceneColour Colour, Texture Texture, int Row, int Col,
    double X, double Y, double Radius, double Rotation)
{
    /// <summary>"a large red striped circle" (size word relative to the scene's size range).</summary>
    public string Phrase(double smallBelow, double largeAbove)
    {
        string size = Radius < smallBelow ? "small " : Radius > largeAbove ? "large " : "";
        string texture = Texture == Texture.Solid ? "" : SceneVocabulary.Word(Texture) + " ";
        return $"a {size}{Colour.Name} {texture}{SceneVocabulary.Word(Kind)}";
    }
}
