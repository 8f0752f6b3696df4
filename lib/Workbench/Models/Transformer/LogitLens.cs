using Workbench.Text;
using Workbench.Viz;
using static TorchSharp.torch;

namespace Workbench.Models.Transformer;

/// <summary>The logit lens (nostalgebraist, 2020): apply the final norm and output head to every block's residual
/// stream, to see what each layer would predict if the model stopped there — the idea behind early exits.</summary>
/// <param name="Tokens">The input tokens.</param>
/// <param name="TopToken">[layer, position]: the most likely next token after block <c>layer</c>.</param>
/// <param name="TopProb">[layer, position]: its probability.</param>
/// <param name="FinalProbOfFinal">[layer, position]: the probability each layer gives the final layer's choice.</param>
public sealed record LogitLens(IReadOnlyList<long> Tokens, long[,] TopToken, double[,] TopProb, double[,] FinalProbOfFinal)
{
    /// <summary>Layers read (one per block).</summary>
    public int Layers => TopToken.GetLength(0);

    /// <summary>Runs the model once with taps on every block's output.</summary>
    public static LogitLens Of(TransformerLM model, IReadOnlyList<long> tokens)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var taps = new TapSet("blocks.*.resid_post");
        model.Forward(tensor(tokens.ToArray()).unsqueeze(0), taps: taps);
        int layers = model.Config.Layers, t = tokens.Count;
        var probs = Enumerable.Range(0, layers).Select(l => model.Head(taps[$"blocks.{l}.resid_post"])[0].softmax(-1)).ToArray(); // [T, V] each
        var finalChoice = probs[^1].argmax(-1); // [T]
        var top = new long[layers, t];
        var topP = new double[layers, t];
        var agree = new double[layers, t];
        for (int l = 0; l < layers; l++)
        {
            var (values, indices) = probs[l].max(-1);
            var v = values.to_type(ScalarType.Float64).data<double>().ToArray();
            var idx = indices.data<long>().ToArray();
            var pf = probs[l].gather(-1, finalChoice.unsqueeze(-1)).squeeze(-1).to_type(ScalarType.Float64).data<double>().ToArray();
            for (int i = 0; i < t; i++) { top[l, i] = idx[i]; topP[l, i] = v[i]; agree[l, i] = pf[i]; }
        }
        return new LogitLens(tokens.ToList(), top, topP, agree);
    }

    /// <summary>For each position, the first layer whose top choice equals the final layer's and stays equal above
    /// it: where an early exit at that position could stop without changing the greedy output.</summary>
    public int[] SettledLayer()
    {
        int layers = Layers, t = Tokens.Count;
        var settled = new int[t];
        for (int i = 0; i < t; i++)
        {
            int l = layers - 1;
            while (l > 0 && TopToken[l - 1, i] == TopToken[layers - 1, i]) l--;
            settled[i] = l;
        }
        return settled;
    }

    /// <summary>A heatmap over layers x positions: colour = probability of the final layer's choice at that layer,
    /// hover = each layer's own top prediction.</summary>
    public Figure Figure(ITokenizer tokenizer, string? title = null)
    {
        int layers = Layers, t = Tokens.Count;
        var hover = new string[layers, t];
        for (int l = 0; l < layers; l++)
            for (int i = 0; i < t; i++)
                hover[l, i] = $"after '{tokenizer.TokenText((int)Tokens[i])}', block {l} predicts '{tokenizer.TokenText((int)TopToken[l, i])}' (p {TopProb[l, i]:0.00}); "
                            + $"final choice '{tokenizer.TokenText((int)TopToken[layers - 1, i])}' has p {FinalProbOfFinal[l, i]:0.00}";
        var x = Tokens.Select((tok, i) => $"{i}:{tokenizer.TokenText((int)tok)}").ToArray();
        var y = Enumerable.Range(0, layers).Select(l => $"block {l}").ToArray();
        return new Figure(title ?? "Logit lens: how early each layer settles on the final prediction", height: 140 + 32 * layers)
            .Heatmap(FinalProbOfFinal, x, y, colorscale: "Blues", zmin: 0, zmax: 1, hoverText: hover)
            .XAxis("input token (the prediction is for the token after it)").YAxis("layer read out");
    }
}
