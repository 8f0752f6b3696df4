using Workbench.Text;
using static TorchSharp.torch;

namespace Workbench.Data.Procedural;

/// <summary>What a scene question asks.</summary>
public enum QuestionKind
{
    /// <summary>"colour at row r col c ?": a colour, or "none" for an empty cell.</summary>
    ColourAt,

    /// <summary>"shape at row r col c ?": a kind, or "none".</summary>
    ShapeAt,

    /// <summary>"how many &lt;colour&gt; shapes ?": a count.</summary>
    Count,

    /// <summary>"&lt;kind&gt; left of &lt;kind&gt; ?": yes when some object of the first kind is in a column left of some
    /// object of the second kind (any rows).</summary>
    LeftOf,
}

/// <summary>One question about one scene: its words (always <see cref="SceneQuestions.Length"/> of them, the last one
/// "?", where the answer is read) and the one-word answer.</summary>
public sealed record SceneQuestion(QuestionKind Kind, string[] Words, string Answer)
{
    /// <summary>"colour at row2 col3 ? -> red".</summary>
    public override string ToString() => $"{string.Join(' ', Words)} -> {Answer}";
}

/// <summary>A batch of scenes with one question each, as tensors for a vision-language model.</summary>
/// <param name="Images">[N, 3, H, W] in [0, 1].</param>
/// <param name="Questions">[N, Length] word ids.</param>
/// <param name="Answers">[N] answer word ids.</param>
public sealed record SceneQaSet(IReadOnlyList<Scene> Scenes, IReadOnlyList<SceneQuestion> Asked, Tensor Images, Tensor Questions, Tensor Answers) : IDisposable
{
    /// <summary>Number of (scene, question) pairs.</summary>
    public int Count => Scenes.Count;

    /// <summary>Answer word ids as an array.</summary>
    public long[] AnswerIds => Answers.data<long>().ToArray();

    /// <inheritdoc/>
    public void Dispose()
    {
        Images.Dispose();
        Questions.Dispose();
        Answers.Dispose();
    }
}

/// <summary>Questions and answers about "coloured shapes on a grid" scenes, over a tiny word vocabulary: where is what
/// colour, what shape, how many of a colour, is one kind left of another. Answers come from the scene's structured
/// facts, never from its pixels.</summary>
public sealed class SceneQuestions
{
    /// <summary>Words per question (every kind is phrased in exactly this many, so questions batch without padding).</summary>
    public const int Length = 5;

    /// <summary>The answer to a cell question about an empty cell.</summary>
    public const string None = "none";

    /// <summary>Questions about the scenes drawn with <paramref name="options"/> (their grid, colours and kinds).</summary>
    public SceneQuestions(SceneOptions options, IReadOnlyList<QuestionKind>? kinds = null)
    {
        options.Validate();
        Options = options;
        Kinds = kinds ?? new[] { QuestionKind.ColourAt, QuestionKind.ShapeAt, QuestionKind.Count };
        if (Kinds.Count == 0) throw new ArgumentException("no question kinds to ask");
        var words = new List<string> { "colour", "shape", "at", "how", "many", "shapes", "left", "of", "?" };
        words.AddRange(Enumerable.Range(0, options.GridRows).Select(Row));
        words.AddRange(Enumerable.Range(0, options.GridCols).Select(Col));
        words.AddRange(options.Colours.Select(c => c.Name));
        words.AddRange(options.Kinds.Select(SceneVocabulary.Word));
        words.Add(None);
        words.AddRange(Enumerable.Range(0, options.MaxObjects + 1).Select(Number));
        words.AddRange(new[] { "yes", "no" });
        Tokenizer = WordTokenizer.Create(words);
        AnswerWords = options.Colours.Select(c => c.Name).Concat(options.Kinds.Select(SceneVocabulary.Word)).Append(None)
            .Concat(Enumerable.Range(0, options.MaxObjects + 1).Select(Number)).Concat(new[] { "yes", "no" }).ToArray();
    }

    /// <summary>The toy VLM's scenes: a 4x4 grid of 8-pixel cells (32x32 RGB), 3 to 7 solid, unrotated shapes of four
    /// kinds in four colours, no clutter, so that 4x4-pixel patches give 64 image tokens and every question is learnable.</summary>
    public static SceneOptions ToyScenes() => SceneOptions.Grid(4, 4, 8, minObjects: 3, maxObjects: 7) with
    {
        Kinds = new[] { ShapeKind.Circle, ShapeKind.Square, ShapeKind.Triangle, ShapeKind.Cross },
        Colours = new[] { "red", "green", "blue", "yellow" }.Select(SceneVocabulary.Colour).ToArray(),
        Textures = new[] { Texture.Solid },
        Rotate = false, MinClutter = 0, MaxClutter = 0, MinSize = 0.75, MaxSize = 0.95,
    };

    /// <summary>The scene options questions are asked about.</summary>
    public SceneOptions Options { get; }

    /// <summary>The question kinds drawn from (uniformly). By default the three the toy VLM learns in minutes on a CPU:
    /// colour at a cell, shape at a cell, how many of a colour (left-of is relational and needs far longer).</summary>
    public IReadOnlyList<QuestionKind> Kinds { get; }

    /// <summary>Question and answer words (specials first).</summary>
    public WordTokenizer Tokenizer { get; }

    /// <summary>Every word that can be an answer.</summary>
    public IReadOnlyList<string> AnswerWords { get; }

    static string Row(int r) => $"row{r + 1}";
    static string Col(int c) => $"col{c + 1}";
    static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"colour at row r col c ?" (0-based r, c).</summary>
    public static SceneQuestion ColourAt(Scene scene, int row, int col) =>
        new(QuestionKind.ColourAt, new[] { "colour", "at", Row(row), Col(col), "?" }, scene.At(row, col).FirstOrDefault()?.Colour.Name ?? None);

    /// <summary>"shape at row r col c ?".</summary>
    public static SceneQuestion ShapeAt(Scene scene, int row, int col) =>
        new(QuestionKind.ShapeAt, new[] { "shape", "at", Row(row), Col(col), "?" },
            scene.At(row, col).FirstOrDefault() is { } o ? SceneVocabulary.Word(o.Kind) : None);

    /// <summary>"how many &lt;colour&gt; shapes ?".</summary>
    public static SceneQuestion Count(Scene scene, string colour) =>
        new(QuestionKind.Count, new[] { "how", "many", colour, "shapes", "?" }, Number(scene.Objects.Count(o => o.Colour.Name == colour)));

    /// <summary>"&lt;a&gt; left of &lt;b&gt; ?": yes when an object of kind a sits in a column left of an object of kind b.</summary>
    public static SceneQuestion LeftOf(Scene scene, ShapeKind a, ShapeKind b) =>
        new(QuestionKind.LeftOf, new[] { SceneVocabulary.Word(a), "left", "of", SceneVocabulary.Word(b), "?" },
            scene.Objects.Any(x => x.Kind == a && scene.Objects.Any(y => y.Kind == b && x.Col < y.Col)) ? "yes" : "no");

    /// <summary>A random question about <paramref name="scene"/>: cell questions ask about an occupied cell 3 times in 4
    /// (so "none" does not dominate); left-of questions pick two different kinds.</summary>
    public SceneQuestion Ask(Scene scene, SceneRandom rng)
    {
        var kind = rng.Pick(Kinds);
        switch (kind)
        {
            case QuestionKind.ColourAt or QuestionKind.ShapeAt:
                int row = rng.Next(Options.GridRows), col = rng.Next(Options.GridCols);
                if (scene.Objects.Count > 0 && rng.NextDouble() < 0.75)
                {
                    var o = rng.Pick(scene.Objects);
                    (row, col) = (o.Row, o.Col);
                }
                return kind == QuestionKind.ColourAt ? ColourAt(scene, row, col) : ShapeAt(scene, row, col);
            case QuestionKind.Count:
                return Count(scene, rng.Pick(Options.Colours).Name);
            default:
                int i = rng.Next(Options.Kinds.Count), j = (i + 1 + rng.Next(Options.Kinds.Count - 1)) % Options.Kinds.Count;
                return LeftOf(scene, Options.Kinds[i], Options.Kinds[j]);
        }
    }

    /// <summary>Word ids of a question.</summary>
    public long[] Encode(SceneQuestion q) => Tokenizer.Encode(q.Words).Select(i => (long)i).ToArray();

    /// <summary><paramref name="count"/> scenes, one question each, all determined by <paramref name="seed"/>.</summary>
    public SceneQaSet Sample(int count, long seed)
    {
        if (Options.Kinds.Count < 2 && Kinds.Contains(QuestionKind.LeftOf)) throw new ArgumentException("left-of questions need two kinds");
        var scenes = new SceneGenerator(Options).Generate(count, seed);
        var asked = scenes.Select((s, i) => Ask(s, new SceneRandom(SceneRandom.Derive(seed ^ 0x5eed, i)))).ToArray();
        return Build(scenes, asked);
    }

    /// <summary>Tensors for given scenes and questions.</summary>
    public SceneQaSet Build(IReadOnlyList<Scene> scenes, IReadOnlyList<SceneQuestion> asked)
    {
        if (scenes.Count != asked.Count || scenes.Count == 0) throw new ArgumentException($"{scenes.Count} scenes for {asked.Count} questions");
        int h = Options.Height, w = Options.Width;
        var pixels = new float[scenes.Count * 3L * h * w];
        for (int n = 0; n < scenes.Count; n++)
        {
            var rgb = scenes[n].Rgb;
            long baseIndex = n * 3L * h * w;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < 3; ch++)
                        pixels[baseIndex + (ch * h + y) * w + x] = rgb[(y * w + x) * 3 + ch] / 255f;
        }
        var ids = asked.SelectMany(Encode).ToArray();
        var answers = asked.Select(q => (long)Tokenizer.Id(q.Answer)).ToArray();
        return new SceneQaSet(scenes, asked, tensor(pixels, new long[] { scenes.Count, 3, h, w }),
            tensor(ids, new long[] { scenes.Count, Length }), tensor(answers));
    }
}
