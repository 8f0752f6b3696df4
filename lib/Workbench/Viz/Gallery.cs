using System.Net;
using System.Text;
using Markdig;

namespace Workbench.Viz;

/// <summary>Writes executed notebooks as one offline HTML page: a table of contents, then one section per notebook
/// with its markdown, code and outputs. plotly.js is embedded once, so every chart renders without a network.</summary>
public static class Gallery
{
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    /// <summary>The gallery page for the given notebooks.</summary>
    public static string Render(IReadOnlyList<ExecutedNotebook> notebooks, string title = "Workbench gallery")
    {
        var body = new StringBuilder();
        body.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>");
        body.Append("<p class=\"wb-caption\">Generated ").Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'"))
            .Append(RunMode.Quick ? " in quick mode" : " at full size").Append(".</p><ul class=\"wb-toc\">");
        foreach (var nb in notebooks)
            body.Append("<li><a href=\"#").Append(Anchor(nb.Path)).Append("\">").Append(WebUtility.HtmlEncode(nb.Path))
                .Append("</a> ").Append(Status(nb)).Append("</li>");
        body.Append("</ul>");
        foreach (var nb in notebooks) body.Append(Section(nb));
        return HtmlPage.Standalone(title, GalleryCss + body);
    }

    /// <summary>Writes the page to <paramref name="path"/> and returns it.</summary>
    public static string Write(string path, IReadOnlyList<ExecutedNotebook> notebooks)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, Render(notebooks));
        return path;
    }

    static string Section(ExecutedNotebook nb)
    {
        var sb = new StringBuilder();
        sb.Append("<section class=\"wb-notebook\" id=\"").Append(Anchor(nb.Path)).Append("\"><h2>")
          .Append(WebUtility.HtmlEncode(nb.Path)).Append(' ').Append(Status(nb)).Append("</h2>");
        if (nb.Error != null && nb.FailedCell == null)
            sb.Append("<pre class=\"wb-error\">").Append(WebUtility.HtmlEncode(nb.Error)).Append("</pre>");
        foreach (var cell in nb.Cells)
        {
            if (cell.IsMarkdown)
            {
                sb.Append("<div class=\"wb-md\">").Append(Markdig.Markdown.ToHtml(cell.Source, Markdown)).Append("</div>");
                continue;
            }
            sb.Append("<div class=\"wb-cell\"><div class=\"wb-cellno\">[").Append(cell.Number).Append("] ")
              .Append(cell.Duration.TotalSeconds.ToString("0.0#")).Append(" s</div><pre class=\"wb-code\">")
              .Append(WebUtility.HtmlEncode(cell.Source)).Append("</pre>");
            foreach (var o in cell.Outputs) sb.Append("<div class=\"wb-out\">").Append(RenderOutput(o)).Append("</div>");
            sb.Append("</div>");
        }
        return sb.Append("</section>").ToString();
    }

    static string RenderOutput(CellOutput o) =>
        o.Kind == OutputKind.Error ? "<pre class=\"wb-error\">" + WebUtility.HtmlEncode(o.Content) + "</pre>"
        : o.MimeType == "text/html" ? o.Content
        : "<pre class=\"wb-text\">" + WebUtility.HtmlEncode(o.Content) + "</pre>";

    static string Status(ExecutedNotebook nb) => nb.Succeeded
        ? $"<span class=\"wb-ok\">ok, {nb.Duration.TotalSeconds:0.0} s</span>"
        : $"<span class=\"wb-fail\">failed{(nb.FailedCell is { } c ? $" at cell {c}" : "")}</span>";

    static string Anchor(string path) => "nb-" + new string(path.Select(ch => char.IsLetterOrDigit(ch) ? ch : '-').ToArray());

    const string GalleryCss = """
        <style>
        .wb-notebook { border-top: 2px solid #ddd; margin-top: 2.5em; }
        .wb-cell { margin: 0.8em 0; }
        .wb-cellno { color: #999; font-size: 11px; font-family: ui-monospace, monospace; }
        pre.wb-code { background: #f6f8fa; padding: 8px 10px; border-radius: 4px; font-size: 12.5px; overflow-x: auto; margin: 2px 0; }
        pre.wb-text { font-size: 12.5px; margin: 2px 0; white-space: pre-wrap; }
        pre.wb-error { background: #fff0f0; color: #a00; padding: 8px; white-space: pre-wrap; }
        .wb-ok { color: #1a7f37; font-size: 14px; font-weight: normal; }
        .wb-fail { color: #c00; font-size: 14px; font-weight: normal; }
        .wb-out { margin: 4px 0 4px 0; }
        </style>
        """;
}
