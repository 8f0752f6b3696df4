using Workbench.Data.Procedural;
using Workbench.Text;
using static TorchSharp.torch;

namespace Workbench.Papers.Mue;

/// <summary>The two tasks of the unified toy model, as OFA is evaluated on SNLI-VE and COCO captioning.</summary>
public enum MueTask
{
    /// <summary>Visual entailment: a hypothesis "colour kind cell" that the scene makes true or false; answer yes / no.</summary>
    Entailment,

    /// <summary>Captioning: the prompt "describe the scene"; answer every object as "colour kind", in reading order.</summary>
    Caption,
}

/// <summary>One example: the scene, the encoder's text and the words the decoder should produce (end token excluded).</summary>
public sealed record MueExample(Scene Scene, MueTask Task, string[] Text, string[] Target)
{
    /// <summary>"red circle top-left -> yes".</summary>
    public override string ToString() => $"{string.Join(' ', Text)} -> {string.Join(' ', Target)}";
}

/// <summary>A batch as tensors: images [B, 3, H, W], text [B, 3], decoder input [B, T] (begin token, then the target)
/// and labels [B, T] (the target, then the end token; padding is -100, ignored by the loss).</summary>
public sealed record MueBatch(IReadOnlyList<MueExample> Examples, Tensor Images, Tensor Text, Tensor Input, Tensor Labels) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        Images.Dispose();
        Text.Dispose();
        Input.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Procedural scenes for MuE (a 2x2 grid of 8-pixel cells, 2 or 3 solid shapes of four kinds in four colours,
/// 16x16 RGB) and the words of both tasks. Labels come from the scene's structured facts, never from pixels.</summary>
public sealed class MueTasks
{
    /// <summary>Encoder text tokens per example.</summary>
    public const int TextLength = 3;

    /// <summary>The captioning prompt.</summary>
    public static readonly string[] Prompt = { "describe", "the", "scene" };

    static readonly string[] Cells = { "top-left", "top-right", "bottom-left", "bottom-right" };

    /// <summary>The scene options.</summary>
    public SceneOptions Scenes { get; } = SceneOptions.Grid(2, 2, 8, minObjects: 2, maxObjects: 3) with
    {
        Kinds = new[] { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle, ShapeKind.Cross },
        Colours = new[] { "red", "green", "blue", "yellow" }.Select(SceneVocabulary.Colour).ToArray(),
        Textures = new[] { Texture.Solid },
        Rotate = false, MinClutter = 0, MaxClutter = 0, MinSize = 0.75, MaxSize = 0.95,
    };

    /// <summary>Words of both tasks (specials first).</summary>
    public WordTokenizer Tokenizer { get; }

    /// <summary>Most decoder positions: the begin token, 3 objects x 2 words, the end token's position is the last label.</summary>
    public int MaxTarget => 1 + 2 * Scenes.MaxObjects;

    /// <summary>The words and scenes of the toy tasks.</summary>
    public MueTasks()
    {
        var words = new List<string>(Prompt);
        words.AddRange(Scenes.Colours.Select(c => c.Name));
        words.AddRange(Scenes.Kinds.Select(SceneVocabulary.Word));
        words.AddRange(Cells);
        words.AddRange(new[] { "yes", "no" });
        Tokenizer = WordTokenizer.Create(words);
    }

    /// <summary>The cell word of grid cell (row, col).</summary>
    public static string Cell(int row, int col) => Cells[row * 2 + col];

    /// <summary>True when the scene holds an object of this colour and kind in this cell.</summary>
    public static bool Holds(Scene scene, string colour, string kind, string cell) =>
        scene.Objects.Any(o => o.Colour.Name == colour && SceneVocabulary.Word(o.Kind) == kind && Cell(o.Row, o.Col) == cell);

    /// <summary>An entailment example: half the time a true hypothesis (an object as it is), else one attribute of an
    /// object changed (colour, kind or cell) until the scene makes it false.</summary>
    public MueExample Entailment(Scene scene, SceneRandom rng)
    {
        var o = rng.Pick(scene.Objects);
        string colour = o.Colour.Name, kind = SceneVocabulary.Word(o.Kind), cell = Cell(o.Row, o.Col);
        bool truth = rng.NextDouble() < 0.5;
        while (!truth && Holds(scene, colour, kind, cell))
            switch (rng.Next(3))
            {
                case 0: colour = rng.Pick(Scenes.Colours).Name; break;
                case 1: kind = SceneVocabulary.Word(rng.Pick(Scenes.Kinds)); break;
                default: cell = rng.Pick(Cells); break;
            }
        return new MueExample(scene, MueTask.Entailment, new[] { colour, kind, cell }, new[] { truth ? "yes" : "no" });
    }

    /// <summary>A captioning example: "colour kind" for every object in reading order (row by row).</summary>
    public static MueExample Caption(Scene scene) =>
        new(scene, MueTask.Caption, Prompt, scene.Objects.OrderBy(o => o.Row).ThenBy(o => o.Col)
            .SelectMany(o => new[] { o.Colour.Name, SceneVocabulary.Word(o.Kind) }).ToArray());

    /// <summary><paramref name="count"/> examples of one task (or alternating tasks when null), all set by <paramref name="seed"/>.</summary>
    public IReadOnlyList<MueExample> Sample(int count, long seed, MueTask? task = null)
    {
        var scenes = new SceneGenerator(Scenes).Generate(count, seed);
        return scenes.Select((s, i) => (task ?? (i % 2 == 0 ? MueTask.Entailment : MueTask.Caption)) == MueTask.Entailment
            ? Entailment(s, new SceneRandom(SceneRandom.Derive(seed ^ 0x3e17, i)))
            : Caption(s)).ToArray();
    }

    /// <summary>Tensors for examples (decoder input and labels padded to the longest target in the batch).</summary>
    public MueBatch Build(IReadOnlyList<MueExample> examples)
    {
        if (examples.Count == 0) throw new ArgumentException("no examples");
        int t = examples.Max(e => e.Target.Length) + 1;
        var input = new long[examples.Count * t];
        var labels = Enumerable.Repeat(-100L, examples.Count * t).ToArray();
        var text = new long[examples.Count * TextLength];
        for (int n = 0; n < examples.Count; n++)
        {
            var e = examples[n];
            var ids = Tokenizer.Encode(e.Target).Select(i => (long)i).ToArray();
            input[n * t] = Tokenizer.BosId;
            for (int i = 0; i < ids.Length; i++) (input[n * t + i + 1], labels[n * t + i]) = (ids[i], ids[i]);
            labels[n * t + ids.Length] = Tokenizer.EosId;
            var words = Tokenizer.Encode(e.Text);
            for (int i = 0; i < TextLength; i++) text[n * TextLength + i] = words[i];
        }
        using var scope = NewDisposeScope();
        var images = stack(examples.Select(e => e.Scene.ToTensor()).ToArray()).MoveToOuterDisposeScope();
        return new MueBatch(examples, images, tensor(text, new long[] { examples.Count, TextLength }).MoveToOuterDisposeScope(),
            tensor(input, new long[] { examples.Count, t }).MoveToOuterDisposeScope(), tensor(labels, new long[] { examples.Count, t }).MoveToOuterDisposeScope());
    }
}
