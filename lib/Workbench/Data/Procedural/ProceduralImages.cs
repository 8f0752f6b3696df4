namespace Workbench.Data.Procedural;

/// <summary>Ready-made image sets from the scene generator, in the same form as Fashion-MNIST (<see cref="ImageSet"/>:
/// greyscale bytes, labels), so every image model can train and test on either.</summary>
public static class ProceduralImages
{
    /// <summary><paramref name="count"/> greyscale scenes labelled by the kind of their dominant shape.</summary>
    public static ImageSet Classification(int count, long seed, SceneOptions? options = null)
    {
        var o = options ?? SceneOptions.Classification();
        if (o.MinObjects < 1) throw new ArgumentException("classification scenes need at least one object (the labelled shape)", nameof(options));
        var scenes = new SceneGenerator(o).Generate(count, seed);
        return ToImageSet(scenes);
    }

    /// <summary>The out-of-distribution counterpart of <see cref="Classification"/>: same kinds (labels stay valid),
    /// held-out textures and heavy clutter.</summary>
    public static ImageSet OutOfDistribution(int count, long seed, SceneOptions? options = null) =>
        Classification(count, seed, (options ?? SceneOptions.Classification()).OutOfDistribution());

    /// <summary>Greyscale pixels and labels of a list of scenes (all of one size).</summary>
    public static ImageSet ToImageSet(IReadOnlyList<Scene> scenes)
    {
        if (scenes.Count == 0) throw new ArgumentException("no scenes", nameof(scenes));
        int w = scenes[0].Width, h = scenes[0].Height;
        var pixels = new byte[scenes.Count * w * h];
        var labels = new byte[scenes.Count];
        for (int i = 0; i < scenes.Count; i++)
        {
            if (scenes[i].Width != w || scenes[i].Height != h) throw new ArgumentException("scenes differ in size", nameof(scenes));
            Buffer.BlockCopy(scenes[i].ToGray(), 0, pixels, i * w * h, w * h);
            labels[i] = (byte)Math.Max(0, scenes[i].Label);
        }
        return new ImageSet(pixels, labels, scenes.Count, h, w);
    }

    /// <summary>Class names of a classification set drawn with these options (the kind words, in label order).</summary>
    public static string[] ClassNames(SceneOptions? options = null) =>
        (options ?? SceneOptions.Classification()).Kinds.Select(SceneVocabulary.Word).ToArray();
}
