namespace Workbench.Viz;

/// <summary>A piece of HTML that renders as itself in notebooks and reports (e.g. a strip above a figure).</summary>
public sealed record HtmlView(string Content)
{
    /// <summary>Stacks several views (figures, strips, HTML) vertically.</summary>
    public static HtmlView Stack(params object[] parts) => new(string.Concat(parts.Select(ToHtml)));

    /// <summary>The HTML of any view this library renders; other objects become escaped text.</summary>
    public static string ToHtml(object part) => part switch
    {
        HtmlView h => h.Content,
        Figure f => f.ToHtml(),
        TokenStrip s => s.ToHtml(),
        TorchSharp.torch.Tensor t => TensorView.ToHtml(t),
        Microsoft.Data.Analysis.DataFrame df => HtmlTable.From(df),
        string s => $"<div>{System.Net.WebUtility.HtmlEncode(s)}</div>",
        _ => $"<div>{System.Net.WebUtility.HtmlEncode(part.ToString())}</div>",
    };

    /// <inheritdoc/>
    public override string ToString() => Content;
}
