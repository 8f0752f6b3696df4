using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbench.Viz;

/// <summary>A plotly.js figure built from typed calls: traces, axes, overlays, panels and slider steps.</summary>
/// <remarks>
/// The figure is plain data (plotly's JSON schema); rendering is plotly.js in the browser, so the same figure shows in
/// the stock notebook host, our runner, the HTML gallery and standalone files. Methods return the figure for chaining.
/// </remarks>
public sealed class Figure
{
    /// <summary>Default trace colours (plotly's D3 palette), in order of use.</summary>
    public static readonly string[] Palette =
        { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

    readonly List<JsonObject> _traces = new();
    readonly List<JsonObject> _shapes = new();
    readonly List<JsonObject> _annotations = new();
    readonly JsonObject _layout = new();
    List<(string Label, Figure Step)>? _steps;
    string? _sliderPrefix;

    /// <summary>Creates an empty figure with an optional title.</summary>
    public Figure(string? title = null, int height = 420)
    {
        Title = title;
        Height = height;
    }

    /// <summary>Figure title shown above the plot.</summary>
    public string? Title { get; set; }

    /// <summary>Plot height in pixels (width follows the container).</summary>
    public int Height { get; set; }

    /// <summary>The traces, as plotly JSON objects (read-only view, for tests and inspection).</summary>
    public IReadOnlyList<JsonObject> Traces => _traces;

    /// <summary>Number of slider steps (0 when the figure has no slider).</summary>
    public int StepCount => _steps?.Count ?? 0;

    string NextColor() => Palette[_traces.Count % Palette.Length];

    // ---- traces -------------------------------------------------------------------------------------------------

    /// <summary>A line through (x, y); optional markers, dash style and symmetric error bars.</summary>
    public Figure Line(IEnumerable<double> x, IEnumerable<double> y, string? name = null, string? color = null,
        bool markers = false, string? dash = null, IEnumerable<double>? errorY = null)
    {
        var t = Trace("scatter", name);
        t["x"] = Arr(x);
        t["y"] = Arr(y);
        t["mode"] = markers ? "lines+markers" : "lines";
        t["line"] = new JsonObject { ["color"] = color ?? NextColor(), ["dash"] = dash ?? "solid" };
        if (errorY != null) t["error_y"] = new JsonObject { ["type"] = "data", ["array"] = Arr(errorY), ["visible"] = true };
        return Add(t);
    }

    /// <summary>Markers at (x, y); optional per-point hover text and colours.</summary>
    public Figure Scatter(IEnumerable<double> x, IEnumerable<double> y, string? name = null, string? color = null,
        IEnumerable<string>? text = null, double size = 7, IEnumerable<string>? colors = null)
    {
        var t = Trace("scatter", name);
        t["x"] = Arr(x);
        t["y"] = Arr(y);
        t["mode"] = "markers";
        var marker = new JsonObject { ["size"] = size };
        marker["color"] = colors != null ? Arr(colors) : color ?? NextColor();
        t["marker"] = marker;
        if (text != null) { t["text"] = Arr(text); t["hoverinfo"] = "text+x+y"; }
        return Add(t);
    }

    /// <summary>Bars over categories; optional error bars and per-bar colours. Several Bar calls group side by side (see <see cref="BarMode"/>).</summary>
    public Figure Bar(IEnumerable<string> categories, IEnumerable<double> values, string? name = null, string? color = null,
        IEnumerable<double>? errorY = null, IEnumerable<string>? colors = null)
    {
        var t = Trace("bar", name);
        t["x"] = Arr(categories);
        t["y"] = Arr(values);
        t["marker"] = new JsonObject { ["color"] = colors != null ? Arr(colors) : color ?? NextColor() };
        if (errorY != null) t["error_y"] = new JsonObject { ["type"] = "data", ["array"] = Arr(errorY), ["visible"] = true };
        return Add(t);
    }

    /// <summary>A histogram of values (bins chosen by plotly unless given).</summary>
    public Figure Histogram(IEnumerable<double> values, string? name = null, string? color = null, int? bins = null,
        double opacity = 0.7, bool normalized = false)
    {
        var t = Trace("histogram", name);
        t["x"] = Arr(values);
        t["opacity"] = opacity;
        t["marker"] = new JsonObject { ["color"] = color ?? NextColor() };
        if (bins != null) t["nbinsx"] = bins.Value;
        if (normalized) t["histnorm"] = "probability";
        return Add(t);
    }

    /// <summary>A heatmap of z[row, col]; optional axis labels, colour scale and fixed range.</summary>
    public Figure Heatmap(double[,] z, IEnumerable<string>? x = null, IEnumerable<string>? y = null,
        string colorscale = "Viridis", double? zmin = null, double? zmax = null, bool showScale = true,
        string? name = null, string[,]? hoverText = null)
    {
        var t = Trace("heatmap", name);
        t["z"] = Matrix(z);
        if (x != null) t["x"] = Arr(x);
        if (y != null) t["y"] = Arr(y);
        t["colorscale"] = colorscale;
        t["showscale"] = showScale;
        if (zmin != null) t["zmin"] = zmin.Value;
        if (zmax != null) t["zmax"] = zmax.Value;
        if (hoverText != null)
        {
            var rows = new JsonArray();
            for (int r = 0; r < hoverText.GetLength(0); r++)
            {
                var row = new JsonArray();
                for (int c = 0; c < hoverText.GetLength(1); c++) row.Add(hoverText[r, c]);
                rows.Add(row);
            }
            t["text"] = rows;
            t["hoverinfo"] = "text";
        }
        return Add(t);
    }

    /// <summary>A greyscale image (values in [0, 1]: 0 black, 1 white; row 0 at the top), pixels kept square.</summary>
    public Figure Image(double[,] gray, string? name = null)
    {
        Heatmap(gray, zmin: 0, zmax: 1, showScale: false, name: name);
        // Spelled out rather than plotly's named "Greys", whose direction is easy to get backwards.
        _traces[^1]["colorscale"] = new JsonArray(new JsonArray(0, "rgb(0,0,0)"), new JsonArray(1, "rgb(255,255,255)"));
        return ImageAxes();
    }

    /// <summary>An RGB image (bytes [row, col, channel]), row 0 at the top.</summary>
    public Figure Image(byte[,,] rgb, string? name = null)
    {
        var t = Trace("image", name);
        var rows = new JsonArray();
        for (int r = 0; r < rgb.GetLength(0); r++)
        {
            var row = new JsonArray();
            for (int c = 0; c < rgb.GetLength(1); c++)
                row.Add(new JsonArray(rgb[r, c, 0], rgb[r, c, 1], rgb[r, c, 2]));
            rows.Add(row);
        }
        t["z"] = rows;
        Add(t);
        return ImageAxes();
    }

    Figure ImageAxes()
    {
        Axis("yaxis")["autorange"] = "reversed";
        Axis("yaxis")["scaleanchor"] = "x";
        Axis("xaxis")["showgrid"] = false;
        Axis("yaxis")["showgrid"] = false;
        return this;
    }

    // ---- overlays -------------------------------------------------------------------------------------------------

    /// <summary>A rectangle in data coordinates (e.g. a dimmed image patch or a highlighted region).</summary>
    public Figure Rect(double x0, double y0, double x1, double y1, string fill = "black", double opacity = 0.5,
        string? lineColor = null, double lineWidth = 0)
    {
        _shapes.Add(new JsonObject
        {
            ["type"] = "rect", ["x0"] = x0, ["y0"] = y0, ["x1"] = x1, ["y1"] = y1,
            ["fillcolor"] = fill, ["opacity"] = opacity,
            ["line"] = new JsonObject { ["color"] = lineColor ?? fill, ["width"] = lineWidth },
        });
        return this;
    }

    /// <summary>A horizontal reference line across the plot at y.</summary>
    public Figure HLine(double y, string color = "#444", string dash = "dash", string? label = null)
    {
        _shapes.Add(new JsonObject
        {
            ["type"] = "line", ["xref"] = "paper", ["x0"] = 0, ["x1"] = 1, ["y0"] = y, ["y1"] = y,
            ["line"] = new JsonObject { ["color"] = color, ["dash"] = dash, ["width"] = 1.5 },
        });
        if (label != null) Text(1, y, label, xPaper: true, anchor: "right");
        return this;
    }

    /// <summary>A vertical reference line across the plot at x.</summary>
    public Figure VLine(double x, string color = "#444", string dash = "dash", string? label = null)
    {
        _shapes.Add(new JsonObject
        {
            ["type"] = "line", ["yref"] = "paper", ["y0"] = 0, ["y1"] = 1, ["x0"] = x, ["x1"] = x,
            ["line"] = new JsonObject { ["color"] = color, ["dash"] = dash, ["width"] = 1.5 },
        });
        if (label != null) Text(x, 1, label, yPaper: true);
        return this;
    }

    /// <summary>A text label at (x, y), in data coordinates unless paper coordinates (0..1) are asked for.</summary>
    public Figure Text(double x, double y, string text, bool xPaper = false, bool yPaper = false, string anchor = "center",
        int size = 12, string color = "#222")
    {
        _annotations.Add(new JsonObject
        {
            ["x"] = x, ["y"] = y, ["text"] = text, ["showarrow"] = false, ["xanchor"] = anchor,
            ["xref"] = xPaper ? "paper" : "x", ["yref"] = yPaper ? "paper" : "y",
            ["font"] = new JsonObject { ["size"] = size, ["color"] = color },
        });
        return this;
    }

    // ---- axes and layout -----------------------------------------------------------------------------------------

    /// <summary>Sets the x axis title, scale and range.</summary>
    public Figure XAxis(string? title = null, bool log = false, double? min = null, double? max = null) =>
        SetAxis("xaxis", title, log, min, max);

    /// <summary>Sets the y axis title, scale and range.</summary>
    public Figure YAxis(string? title = null, bool log = false, double? min = null, double? max = null) =>
        SetAxis("yaxis", title, log, min, max);

    Figure SetAxis(string key, string? title, bool log, double? min, double? max)
    {
        var a = Axis(key);
        if (title != null)
        {
            a["title"] = new JsonObject { ["text"] = title };
            a["automargin"] = true; // plotly then makes room for the title below long or rotated tick labels
        }
        if (log) a["type"] = "log";
        if (min != null && max != null)
            a["range"] = log ? new JsonArray(Math.Log10(min.Value), Math.Log10(max.Value)) : new JsonArray(min.Value, max.Value);
        return this;
    }

    /// <summary>How several bar traces share a category: "group", "stack" or "overlay".</summary>
    public Figure BarMode(string mode)
    {
        _layout["barmode"] = mode;
        return this;
    }

    /// <summary>Hides or shows the legend.</summary>
    public Figure Legend(bool show)
    {
        _layout["showlegend"] = show;
        return this;
    }

    JsonObject Axis(string key)
    {
        if (_layout[key] is not JsonObject a) _layout[key] = a = new JsonObject();
        return a;
    }

    // ---- composition -------------------------------------------------------------------------------------------

    /// <summary>Places figures side by side in a grid of panels (subplots), each keeping its title and axes.</summary>
    public static Figure Grid(int columns, params Figure[] panels) => Grid(columns, null, panels);

    /// <summary>Places figures in a grid of panels under an overall title.</summary>
    public static Figure Grid(int columns, string? title, params Figure[] panels)
    {
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), "a grid needs at least one column");
        if (panels.Length == 0) throw new ArgumentException("a grid needs at least one panel", nameof(panels));
        int rows = (panels.Length + columns - 1) / columns;
        var grid = new Figure(title, height: Math.Max(320, 300 * rows));
        const double gapX = 0.06, gapY = 0.12;
        for (int i = 0; i < panels.Length; i++)
        {
            var p = panels[i];
            if (p._steps != null) throw new ArgumentException("a panel cannot have its own slider; put the grid in the slider instead");
            int r = i / columns, c = i % columns, n = i + 1;
            string xa = n == 1 ? "x" : $"x{n}", ya = n == 1 ? "y" : $"y{n}";
            double x0 = (double)c / columns + (c > 0 ? gapX / 2 : 0), x1 = (double)(c + 1) / columns - (c < columns - 1 ? gapX / 2 : 0);
            double y1 = 1 - (double)r / rows - (r > 0 ? gapY / 2 : 0), y0 = 1 - (double)(r + 1) / rows + (r < rows - 1 ? gapY / 2 : 0);
            foreach (var t in p._traces)
            {
                var copy = (JsonObject)t.DeepClone();
                copy["xaxis"] = xa;
                copy["yaxis"] = ya;
                if (i > 0 && copy["showlegend"] == null) copy["showlegend"] = false;
                grid._traces.Add(copy);
            }
            var xAxis = (JsonObject?)p._layout["xaxis"]?.DeepClone() ?? new JsonObject();
            var yAxis = (JsonObject?)p._layout["yaxis"]?.DeepClone() ?? new JsonObject();
            xAxis["domain"] = new JsonArray(x0, x1);
            xAxis["anchor"] = ya;
            yAxis["domain"] = new JsonArray(y0, y1);
            yAxis["anchor"] = xa;
            if (yAxis["scaleanchor"] != null) yAxis["scaleanchor"] = xa;
            grid._layout[n == 1 ? "xaxis" : $"xaxis{n}"] = xAxis;
            grid._layout[n == 1 ? "yaxis" : $"yaxis{n}"] = yAxis;
            foreach (var s in p._shapes) grid._shapes.Add(Reanchor(s, xa, ya));
            foreach (var a in p._annotations) grid._annotations.Add(Reanchor(a, xa, ya));
            if (p.Title != null)
                grid._annotations.Add(new JsonObject
                {
                    // plotly reads annotation text as its own small HTML: escape the markup characters only (it shows
                    // &quot; and &#39; literally, so quotes stay as they are).
                    ["text"] = $"<b>{p.Title.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;")}</b>", ["showarrow"] = false,
                    ["xref"] = "paper", ["yref"] = "paper", ["x"] = (x0 + x1) / 2, ["y"] = y1, ["xanchor"] = "center",
                    ["yanchor"] = "bottom", ["font"] = new JsonObject { ["size"] = 13 },
                });
            foreach (var kv in p._layout)
                if (kv.Key is not ("xaxis" or "yaxis") && grid._layout[kv.Key] == null) grid._layout[kv.Key] = kv.Value?.DeepClone();
        }
        return grid;
    }

    static JsonObject Reanchor(JsonObject item, string xa, string ya)
    {
        var copy = (JsonObject)item.DeepClone();
        if ((string?)copy["xref"] != "paper") copy["xref"] = xa;
        if ((string?)copy["yref"] != "paper") copy["yref"] = ya;
        return copy;
    }

    /// <summary>A figure with a slider that scrubs through steps client-side (plotly frames). Every step must have
    /// the same number of traces; its shapes and annotations change with the step.</summary>
    public static Figure Slider(IEnumerable<(string Label, Figure Step)> steps, string? title = null, string prefix = "step: ")
    {
        var list = steps.ToList();
        if (list.Count == 0) throw new ArgumentException("a slider needs at least one step", nameof(steps));
        int traces = list[0].Step._traces.Count;
        if (list.Any(s => s.Step._traces.Count != traces))
            throw new ArgumentException("every slider step must have the same number of traces");
        var first = list[0].Step;
        var fig = new Figure(title ?? first.Title, first.Height + 80);
        fig._traces.AddRange(first._traces.Select(t => (JsonObject)t.DeepClone()));
        foreach (var kv in first._layout) fig._layout[kv.Key] = kv.Value?.DeepClone();
        fig._shapes.AddRange(first._shapes.Select(s => (JsonObject)s.DeepClone()));
        fig._annotations.AddRange(first._annotations.Select(a => (JsonObject)a.DeepClone()));
        fig._steps = list;
        fig._sliderPrefix = prefix;
        return fig;
    }

    // ---- output -------------------------------------------------------------------------------------------------

    /// <summary>The plotly figure object: { data, layout, frames? }.</summary>
    public JsonObject ToPlotly()
    {
        var layout = (JsonObject)_layout.DeepClone();
        layout["height"] = Height;
        layout["margin"] ??= new JsonObject { ["l"] = 60, ["r"] = 30, ["t"] = Title != null ? 60 : 30, ["b"] = 50 };
        if (Title != null) layout["title"] = new JsonObject { ["text"] = Title };
        layout["shapes"] = new JsonArray(_shapes.Select(s => (JsonNode)s.DeepClone()).ToArray());
        layout["annotations"] = new JsonArray(_annotations.Select(a => (JsonNode)a.DeepClone()).ToArray());
        var fig = new JsonObject
        {
            ["data"] = new JsonArray(_traces.Select(t => (JsonNode)t.DeepClone()).ToArray()),
            ["layout"] = layout,
        };
        if (_steps != null)
        {
            var frames = new JsonArray();
            var sliderSteps = new JsonArray();
            for (int i = 0; i < _steps.Count; i++)
            {
                var (label, step) = _steps[i];
                string name = $"f{i}";
                frames.Add(new JsonObject
                {
                    ["name"] = name,
                    ["data"] = new JsonArray(step._traces.Select(t => (JsonNode)t.DeepClone()).ToArray()),
                    ["layout"] = new JsonObject
                    {
                        ["shapes"] = new JsonArray(step._shapes.Select(s => (JsonNode)s.DeepClone()).ToArray()),
                        ["annotations"] = new JsonArray(step._annotations.Select(a => (JsonNode)a.DeepClone()).ToArray()),
                    },
                });
                sliderSteps.Add(new JsonObject
                {
                    ["label"] = label, ["method"] = "animate",
                    ["args"] = new JsonArray(new JsonArray(name), new JsonObject
                    {
                        ["mode"] = "immediate",
                        ["frame"] = new JsonObject { ["duration"] = 0, ["redraw"] = true },
                        ["transition"] = new JsonObject { ["duration"] = 0 },
                    }),
                });
            }
            fig["frames"] = frames;
            layout["sliders"] = new JsonArray(new JsonObject
            {
                ["active"] = 0, ["steps"] = sliderSteps, ["pad"] = new JsonObject { ["t"] = 40 },
                ["currentvalue"] = new JsonObject { ["prefix"] = _sliderPrefix },
            });
        }
        return fig;
    }

    /// <summary>The figure as plotly JSON text.</summary>
    public string ToJson() => ToPlotly().ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>An HTML fragment that draws the figure (loads plotly.js from the CDN only if the page lacks it).</summary>
    public string ToHtml() => PlotlyJs.Fragment(this);

    /// <summary>A self-contained HTML page with plotly.js embedded: opens offline.</summary>
    public string ToStandaloneHtml() => HtmlPage.Standalone(Title ?? "figure", ToHtml());

    /// <summary>Writes <see cref="ToStandaloneHtml"/> to a file (creating its folder) and returns the path.</summary>
    public string Save(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, ToStandaloneHtml());
        return full;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Figure \"{Title}\": {_traces.Count} trace(s)" + (_steps != null ? $", {_steps.Count} slider steps" : "");

    // ---- helpers -------------------------------------------------------------------------------------------------

    Figure Add(JsonObject trace)
    {
        _traces.Add(trace);
        return this;
    }

    static JsonObject Trace(string type, string? name)
    {
        var t = new JsonObject { ["type"] = type };
        if (name != null) t["name"] = name;
        return t;
    }

    static JsonArray Arr(IEnumerable<double> values) => new(values.Select(v => (JsonNode?)Num(v)).ToArray());
    static JsonArray Arr(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    static JsonArray Matrix(double[,] z)
    {
        var rows = new JsonArray();
        for (int r = 0; r < z.GetLength(0); r++)
        {
            var row = new JsonArray();
            for (int c = 0; c < z.GetLength(1); c++) row.Add(Num(z[r, c]));
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>NaN and infinities become null (a gap), which is how plotly shows missing values.</summary>
    /// Six significant digits keep figure JSON small without flattening tiny probabilities.
    static JsonNode? Num(double v) =>
        double.IsFinite(v) ? JsonValue.Create(double.Parse(v.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)) : null;
}
