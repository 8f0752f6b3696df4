using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Workbench.Viz;

/// <summary>The notebooks that exist under a folder, each with its title (first heading) and first sentence.</summary>
public static class NotebookMap
{
    /// <summary>One notebook: path relative to the folder, title, one-line summary.</summary>
    public sealed record Entry(string Path, string Title, string Summary);

    /// <summary>Reads every .ipynb under <paramref name="folder"/> (sorted by path).</summary>
    public static IReadOnlyList<Entry> Read(string folder) =>
        Directory.EnumerateFiles(folder, "*.ipynb", SearchOption.AllDirectories)
            .Where(f => !f.Contains(".ipynb_checkpoints"))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => Describe(folder, f))
            .ToList();

    static Entry Describe(string folder, string file)
    {
        var rel = System.IO.Path.GetRelativePath(folder, file).Replace('\\', '/');
        var cells = JsonNode.Parse(File.ReadAllText(file))?["cells"]?.AsArray() ?? new JsonArray();
        var markdown = cells.Where(c => (string?)c?["cell_type"] == "markdown")
            .Select(c => c!["source"] is JsonArray a ? string.Concat(a.Select(x => (string?)x)) : (string?)c["source"] ?? "")
            .FirstOrDefault() ?? "";
        var lines = markdown.Split('\n').Select(l => l.Trim()).ToList();
        var title = lines.FirstOrDefault(l => l.StartsWith('#'))?.TrimStart('#').Trim() ?? rel;
        var summary = lines.FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#')) ?? "";
        int stop = summary.IndexOf(". ", StringComparison.Ordinal);
        if (stop > 0) summary = summary[..(stop + 1)];
        summary = summary.Replace("**", "").Replace("`", ""); // markdown emphasis and code marks read as noise in a table
        return new Entry(rel, title, summary);
    }

    /// <summary>The map as an HTML table.</summary>
    public static HtmlView Render(string folder)
    {
        var sb = new StringBuilder(HtmlTable.Open).Append("<tr>").Append(HtmlTable.Head("notebook"))
            .Append(HtmlTable.Head("title")).Append(HtmlTable.Head("what it shows")).Append("</tr>");
        foreach (var e in Read(folder))
            sb.Append("<tr>").Append(HtmlTable.Cell(e.Path)).Append(HtmlTable.Cell(e.Title))
              .Append(HtmlTable.Cell(e.Summary)).Append("</tr>");
        return new HtmlView(sb.Append("</table>").ToString().Replace("text-align:right", "text-align:left"));
    }
}
