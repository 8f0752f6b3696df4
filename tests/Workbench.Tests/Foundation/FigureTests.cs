using System.Text.Json.Nodes;
using Workbench.Viz;

namespace Workbench.Tests.Foundation;

public class FigureTests
{
    static JsonObject Json(Figure f) => JsonNode.Parse(f.ToJson())!.AsObject();

    [Fact]
    public void LineCarriesPointsNameErrorBarsAndAxes()
    {
        var f = new Figure("loss").Line(new[] { 1.0, 2, 3 }, new[] { 0.5, 0.25, double.NaN }, "train", errorY: new[] { 0.1, 0.1, 0.1 })
            .XAxis("step").YAxis("loss", log: true, min: 0.1, max: 10);
        var j = Json(f);
        var t = j["data"]![0]!;
        Assert.Equal("scatter", (string?)t["type"]);
        Assert.Equal("lines", (string?)t["mode"]);
        Assert.Equal("train", (string?)t["name"]);
        Assert.Equal(0.25, (double)t["y"]![1]!);
        Assert.Null(t["y"]![2]); // NaN is a gap
        Assert.Equal(0.1, (double)t["error_y"]!["array"]![0]!);
        Assert.Equal("log", (string?)j["layout"]!["yaxis"]!["type"]);
        Assert.Equal(-1.0, (double)j["layout"]!["yaxis"]!["range"]![0]!, 6);
        Assert.Equal("step", (string?)j["layout"]!["xaxis"]!["title"]!["text"]);
        Assert.True((bool)j["layout"]!["xaxis"]!["automargin"]!); // a titled axis leaves room for its title under the ticks
        Assert.Equal("loss", (string?)j["layout"]!["title"]!["text"]);
    }

    [Fact]
    public void ScatterBarHistogramKeepTheirData()
    {
        var f = new Figure()
            .Scatter(new[] { 1.0, 2 }, new[] { 3.0, 4 }, "pts", text: new[] { "a", "b" })
            .Bar(new[] { "x", "y" }, new[] { 5.0, 6 }, "bars")
            .Histogram(new[] { 1.0, 1, 2 }, "h", bins: 5)
            .BarMode("group");
        var d = Json(f)["data"]!.AsArray();
        Assert.Equal(new[] { "scatter", "bar", "histogram" }, d.Select(t => (string?)t!["type"]));
        Assert.Equal("markers", (string?)d[0]!["mode"]);
        Assert.Equal("b", (string?)d[0]!["text"]![1]);
        Assert.Equal("y", (string?)d[1]!["x"]![1]);
        Assert.Equal(6.0, (double)d[1]!["y"]![1]!);
        Assert.Equal(5, (int)d[2]!["nbinsx"]!);
        Assert.NotEqual((string?)d[0]!["marker"]!["color"], (string?)d[1]!["marker"]!["color"]); // palette advances
        Assert.Equal("group", (string?)Json(f)["layout"]!["barmode"]);
    }

    [Fact]
    public void HeatmapIsRowMajorWithLabels()
    {
        var z = new double[,] { { 1, 2, 3 }, { 4, 5, 6 } };
        var t = Json(new Figure().Heatmap(z, new[] { "a", "b", "c" }, new[] { "r0", "r1" }, zmin: 0, zmax: 6))["data"]![0]!;
        Assert.Equal("heatmap", (string?)t["type"]);
        Assert.Equal(6.0, (double)t["z"]![1]![2]!);
        Assert.Equal("c", (string?)t["x"]![2]);
        Assert.Equal(6.0, (double)t["zmax"]!);
    }

    [Fact]
    public void ImagesKeepPixelsSquareWithOverlays()
    {
        var gray = new double[,] { { 0, 0.5 }, { 1, 0.25 } };
        var j = Json(new Figure().Image(gray).Rect(0.5, -0.5, 1.5, 0.5, fill: "black", opacity: 0.6));
        Assert.Equal(0.25, (double)j["data"]![0]!["z"]![1]![1]!);
        Assert.Equal("rgb(0,0,0)", (string?)j["data"]![0]!["colorscale"]![0]![1]); // 0 is black, 1 is white
        Assert.Equal("rgb(255,255,255)", (string?)j["data"]![0]!["colorscale"]![1]![1]);
        Assert.Null(j["data"]![0]!["reversescale"]);
        Assert.Equal("reversed", (string?)j["layout"]!["yaxis"]!["autorange"]);
        Assert.Equal("x", (string?)j["layout"]!["yaxis"]!["scaleanchor"]);
        var rect = j["layout"]!["shapes"]![0]!;
        Assert.Equal("rect", (string?)rect["type"]);
        Assert.Equal(0.6, (double)rect["opacity"]!);

        var rgb = new byte[2, 1, 3];
        rgb[1, 0, 2] = 200;
        var t = Json(new Figure().Image(rgb))["data"]![0]!;
        Assert.Equal("image", (string?)t["type"]);
        Assert.Equal(200, (int)t["z"]![1]![0]![2]!);
    }

    [Fact]
    public void GridGivesEachPanelItsOwnAxesDomainsAndTitle()
    {
        var a = new Figure("A").Line(new[] { 1.0, 2 }, new[] { 1.0, 2 }).XAxis("x-a");
        var b = new Figure("B").Bar(new[] { "u" }, new[] { 3.0 });
        var c = new Figure("C answers \"<x>\" & 'y'").Heatmap(new double[,] { { 1 } });
        var j = Json(Figure.Grid(2, "three panels", a, b, c));
        var data = j["data"]!.AsArray();
        Assert.Equal(new[] { "x", "x2", "x3" }, data.Select(t => (string?)t!["xaxis"]));
        Assert.Equal(new[] { "y", "y2", "y3" }, data.Select(t => (string?)t!["yaxis"]));
        var layout = j["layout"]!;
        Assert.Equal("x-a", (string?)layout["xaxis"]!["title"]!["text"]);
        Assert.True((double)layout["xaxis"]!["domain"]![1]! <= (double)layout["xaxis2"]!["domain"]![0]!); // side by side
        Assert.True((double)layout["yaxis3"]!["domain"]![1]! <= (double)layout["yaxis"]!["domain"]![0]!); // row 2 below row 1
        Assert.Equal("x3", (string?)layout["yaxis3"]!["anchor"]);
        var titles = layout["annotations"]!.AsArray().Select(n => (string?)n!["text"]).ToList();
        Assert.Contains("<b>A</b>", titles);
        Assert.Contains("<b>C answers \"&lt;x&gt;\" &amp; 'y'</b>", titles); // markup escaped, quotes kept (plotly shows &quot; literally)
    }

    [Fact]
    public void SliderMakesOneFramePerStepWithItsOwnOverlays()
    {
        var steps = Enumerable.Range(0, 3).Select(i =>
            ($"layer {i}", new Figure("scene").Heatmap(new double[,] { { i, i + 1 } }).Rect(i, 0, i + 1, 1)));
        var f = Figure.Slider(steps, prefix: "layer: ");
        var j = Json(f);
        Assert.Equal(3, f.StepCount);
        var frames = j["frames"]!.AsArray();
        Assert.Equal(3, frames.Count);
        Assert.Equal(3.0, (double)frames[2]!["data"]![0]!["z"]![0]![1]!);
        Assert.Equal(2.0, (double)frames[2]!["layout"]!["shapes"]![0]!["x0"]!);
        var slider = j["layout"]!["sliders"]![0]!;
        Assert.Equal("layer 1", (string?)slider["steps"]![1]!["label"]);
        Assert.Equal("f1", (string?)slider["steps"]![1]!["args"]![0]![0]);
        Assert.Equal("layer: ", (string?)slider["currentvalue"]!["prefix"]);
        Assert.Throws<ArgumentException>(() => Figure.Slider(new[] { ("a", new Figure().Line(new[] { 1.0 }, new[] { 1.0 })), ("b", new Figure()) }));
    }

    [Fact]
    public void HtmlDrawsWithEmbeddedOrCdnPlotlyAndEscapesText()
    {
        var html = new Figure("</script><b>x</b>").Line(new[] { 1.0 }, new[] { 2.0 }).ToHtml();
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains(PlotlyJs.CdnUrl, html);
        Assert.DoesNotContain("</script><b>", html);
        var page = new Figure("t").Line(new[] { 1.0 }, new[] { 2.0 }).ToStandaloneHtml();
        Assert.Contains("plotly.js v" + PlotlyJs.Version, page); // embedded, so it renders offline
    }

    [Fact]
    public void EmbeddedPlotlyMatchesTheCdnVersion()
    {
        Assert.StartsWith("/**\n* plotly.js v" + PlotlyJs.Version + "\n", PlotlyJs.Source.Replace("\r\n", "\n"));
        Assert.True(PlotlyJs.Source.Length > 1_000_000);
    }
}
