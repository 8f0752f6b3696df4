using System.Globalization;
using Workbench.Viz;

namespace Workbench.Papers.Mue;

public sealed partial class MueResult
{
    /// <summary>(a) The key figure: share of full performance against layer reduction (FLOPs saved), every method, one
    /// panel per task, with the spec's 96% / 35% marks.</summary>
    public Figure TradeoffFigure()
    {
        Figure Panel(MueTask task)
        {
            var f = new Figure($"{(task == MueTask.Entailment ? "Entailment accuracy" : "Caption word accuracy")} (full model {(FullPerformance[task] * 100).ToString("0.0", CultureInfo.InvariantCulture)}%)");
            for (int m = 0; m < Methods.Length; m++)
            {
                var curve = Curve(task, Methods[m]);
                f.Line(curve.Select(p => p.Reduction * 100), curve.Select(p => p.Share * 100), Methods[m], Figure.Palette[m % Figure.Palette.Length], markers: true);
            }
            return f.HLine(Config.KeepShare * 100, label: $"{Config.KeepShare * 100:0}% of full").VLine(Config.MinReduction * 100)
                .XAxis("layer reduction (% of the full model's FLOPs saved)").YAxis("% of full-model performance");
        }
        return Figure.Grid(2, "Performance kept vs layer reduction (thresholds swept)", Panel(MueTask.Entailment), Panel(MueTask.Caption));
    }

    /// <summary>(b) Saturation: mean cosine similarity between each layer's output and its input, per modality in the
    /// encoder and per token in the decoder (full model, held-out examples).</summary>
    public Figure SimilarityFigure()
    {
        var f = new Figure("Consecutive-layer similarity vs depth (full model)");
        double[] Layers(int n) => Enumerable.Range(1, n).Select(i => (double)i).ToArray();
        f.Line(Layers(ImageSimilarity.Length), ImageSimilarity, "encoder: image tokens", markers: true);
        f.Line(Layers(TextSimilarity.Length), TextSimilarity, "encoder: text tokens", markers: true);
        f.Line(Layers(DecoderSimilarity.Length), DecoderSimilarity, "decoder: target tokens", markers: true);
        return f.XAxis("layer").YAxis("cosine(layer output, layer input)");
    }

    static readonly string[] LayerColours = { "#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027" };

    static string LayerColour(int layer, int layers) =>
        LayerColours[(int)Math.Round((layer - 1) * (LayerColours.Length - 1) / (double)Math.Max(1, layers - 1))];

    /// <summary>(c) Per-token exits of generated captions and answers at the operating point: each output word coloured
    /// by the decoder layer it left at (hover for details), after a chip giving the encoder depth of each modality.</summary>
    public TokenStrip ExitStrip()
    {
        int le = Config.Model.EncoderLayers, ld = Config.Model.DecoderLayers;
        var strip = new TokenStrip($"MuE at quantile {OperatingQuantile.ToString("0.00", CultureInfo.InvariantCulture)}: exit layer of every generated word (of {ld} decoder layers)");
        foreach (var (example, exiting, full) in Shown)
        {
            strip.Add(new TokenChip($"image {exiting.ImageLayers}/{le} · text {exiting.TextLayers}/{le}", "#eee",
                $"encoder layers run by the image tokens and by the text tokens ({string.Join(' ', example.Text)})"));
            for (int i = 0; i < exiting.Tokens.Length; i++)
            {
                string word = Tasks.Tokenizer.Words[exiting.Tokens[i]];
                string fullWord = i < full.Tokens.Length ? Tasks.Tokenizer.Words[full.Tokens[i]] : "(none)";
                strip.Add(new TokenChip(word, LayerColour(exiting.DecoderLayers[i], ld),
                    $"decoder layer {exiting.DecoderLayers[i]} of {ld}; the full model says '{fullWord}'", Struck: word != fullWord));
            }
            strip.Add(new TokenChip($"reference: {string.Join(' ', example.Target)}", Foreground: "#666")).Break();
        }
        for (int l = 1; l <= ld; l++) strip.Legend($"decoder layer {l}", LayerColour(l, ld));
        return strip;
    }
}
