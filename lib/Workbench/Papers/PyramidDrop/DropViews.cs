using Workbench.Data.Procedural;
using Workbench.Viz;

namespace Workbench.Papers.PyramidDrop;

/// <summary>The "dropped image tokens" view: a scene with its patch grid and the patches a schedule has dropped by a
/// given layer dimmed.</summary>
public static class DropViews
{
    /// <summary>One panel: the scene, every patch outlined, patches not in <paramref name="kept"/> dimmed.</summary>
    /// <param name="patchSize">Patch side in pixels; token r * (width / patchSize) + c is patch (r, c).</param>
    public static Figure Panel(Scene scene, ISet<long> kept, int patchSize, string title)
    {
        int grid = scene.Width / patchSize;
        var f = new Figure(title, height: 380).Image(scene.ToRgbArray(), "scene");
        for (int r = 0; r < grid; r++)
            for (int c = 0; c < grid; c++)
            {
                // Pixel centres are at integers, so a patch spans [c*P - 0.5, (c+1)*P - 0.5].
                double x0 = c * patchSize - 0.5, y0 = r * patchSize - 0.5;
                if (!kept.Contains(r * grid + c)) f.Rect(x0, y0, x0 + patchSize, y0 + patchSize, fill: "#000", opacity: 0.78);
                f.Rect(x0, y0, x0 + patchSize, y0 + patchSize, fill: "rgba(0,0,0,0)", opacity: 1, lineColor: "rgba(255,255,255,0.35)", lineWidth: 0.5);
            }
        return f;
    }

    /// <summary>The image tokens a run kept when layer <paramref name="layer"/> ran (all before its first drop).</summary>
    public static ISet<long> KeptAt(DropPoint point, int sample, int layer, int patches)
    {
        var stage = point.Answers.Stages.LastOrDefault(s => s.Layer <= layer);
        return (stage?.Kept[sample] ?? Enumerable.Range(0, patches).Select(i => (long)i).ToArray()).Where(i => i < patches).ToHashSet();
    }

    /// <summary>A slider over the decoder's layers; each step shows, side by side, what every run in
    /// <paramref name="runs"/> still holds of the image at that layer and (in the title) what it answered.</summary>
    public static Figure Slider(Scene scene, SceneQuestion question, int sample, IReadOnlyList<string> words, string model,
        IReadOnlyList<DropPoint> runs, int patchSize)
    {
        int layers = runs[0].Answers.TokensPerLayer.Length;
        int patches = (scene.Width / patchSize) * (scene.Height / patchSize);
        var steps = Enumerable.Range(0, layers).Select(layer =>
        {
            var panels = runs.Select(p =>
            {
                var kept = KeptAt(p, sample, layer, patches);
                string answer = words[(int)p.Answers.Predicted[sample]];
                return Panel(scene, kept, patchSize, $"{Short(p)}: {kept.Count}/{patches} patches, answers \"{answer}\"");
            }).ToArray();
            var grid = Figure.Grid(panels.Length, $"\"{string.Join(' ', question.Words)}\" (truth: {question.Answer}); {model}, layer {layer}", panels);
            grid.Height = 420;
            return ($"{layer}", grid);
        });
        return Figure.Slider(steps, prefix: "layer: ");
    }

    static string Short(DropPoint p) => p.Schedule.Stages.Count > 1 ? "PyramidDrop" : $"single drop at layer {p.Schedule.Stages[0].Layer}";
}
