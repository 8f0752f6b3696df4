using Workbench.Viz;

namespace Workbench.Tests.Foundation;

public class GalleryTests
{
    [Fact]
    public void WritesOneOfflinePageWithASectionPerNotebook()
    {
        var fig = new Figure("acc").Line(new[] { 1.0, 2 }, new[] { 0.5, 0.9 });
        var ok = new ExecutedNotebook("papers/a.ipynb", new[]
        {
            new ExecutedCell(1, true, "# Claim\nSome *text*.", Array.Empty<CellOutput>(), TimeSpan.Zero),
            new ExecutedCell(2, false, "Show(fig)", new[] { new CellOutput(OutputKind.Result, "text/html", fig.ToHtml()) }, TimeSpan.FromSeconds(0.4)),
        }, TimeSpan.FromSeconds(1), null, null);
        var bad = new ExecutedNotebook("b.ipynb", new[]
        {
            new ExecutedCell(1, false, "boom()", new[] { new CellOutput(OutputKind.Error, "text/plain", "CS0103: <boom>") }, TimeSpan.Zero),
        }, TimeSpan.FromSeconds(1), 1, "CS0103");

        var path = Path.Combine(Path.GetTempPath(), "workbench-tests", Guid.NewGuid().ToString("N"), "index.html");
        try
        {
            Gallery.Write(path, new[] { ok, bad });
            var html = File.ReadAllText(path);
            Assert.Equal(1, Count(html, "* plotly.js v" + PlotlyJs.Version)); // embedded once
            Assert.Contains("id=\"nb-papers-a-ipynb\"", html);
            Assert.Contains("href=\"#nb-b-ipynb\"", html);
            Assert.Contains("<h1 id=\"claim\">Claim</h1>", html);
            Assert.Contains("<em>text</em>", html);
            Assert.Contains("Plotly.newPlot", html);
            Assert.Contains("failed at cell 1", html);
            Assert.Contains("CS0103: &lt;boom&gt;", html);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, true); }
    }

    static int Count(string s, string sub)
    {
        int n = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
