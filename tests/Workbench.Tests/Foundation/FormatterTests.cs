using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;
using Workbench.Viz;

namespace Workbench.Tests.Foundation;

public class FormatterTests
{
    static FormatterTests() => _ = Library.Status(); // module initializer has run, formatters are registered

    [Fact]
    public void FigureRendersAsPlotlyHtml()
    {
        var html = new Figure("f").Line(new[] { 1.0, 2 }, new[] { 3.0, 4 }).ToDisplayString(HtmlFormatter.MimeType);
        Assert.StartsWith("<div id=\"wbfig-", html.TrimStart());
        Assert.Contains("\"y\":[3,4]", html);
    }

    [Fact]
    public void TensorShowsShapeDtypeDeviceAndValues()
    {
        using var t = torch.tensor(new float[] { 1.5f, 2.25f, 3f, 4f }).reshape(2, 2);
        var html = t.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("Tensor [2, 2] Float32 cpu", html);
        Assert.Contains(">2.25<", html);
        var text = t.ToDisplayString(PlainTextFormatter.MimeType);
        Assert.Contains("Tensor [2, 2] Float32 cpu", text);
        Assert.Contains("2.25", text);
    }

    [Fact]
    public void LargeTensorShowsOnlyACorner()
    {
        using var t = torch.arange(100 * 100).reshape(100, 100);
        var html = t.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("Tensor [100, 100] Int64 cpu", html);
        Assert.Contains(">7<", html);        // row 0, col 7 shown
        Assert.DoesNotContain(">8<", html);  // col 8 cut
        Assert.Contains("…", html);
    }

    [Fact]
    public void TokenStripEscapesTextAndCarriesHover()
    {
        var strip = new TokenStrip("draft").Add("<b>", "#cfc", "p=0.9 & q=0.8").Add(new TokenChip("x", "#fcc", Struck: true))
            .Legend("accepted", "#cfc");
        var html = strip.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains("&lt;b&gt;", html);
        Assert.Contains("title=\"p=0.9 &amp; q=0.8\"", html);
        Assert.Contains("line-through", html);
        Assert.Contains("accepted", html);
        Assert.Equal("draft: <b>x", strip.ToString());
    }

    [Fact]
    public void DataFrameRendersAsTableWithRowCount()
    {
        var df = new DataFrame(new DoubleDataFrameColumn("acc", new[] { 0.91234567, 0.5 }), new StringDataFrameColumn("name", new[] { "a", "b" }));
        var html = df.ToDisplayString(HtmlFormatter.MimeType);
        Assert.Contains(">acc<", html);
        Assert.Contains(">0.9123<", html);
        Assert.Contains("2 rows × 2 columns", html);
    }
}
