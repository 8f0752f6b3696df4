using System.Reflection;

namespace Workbench.Viz;

/// <summary>plotly.js: the copy embedded in this assembly at build time, and the HTML that draws a figure with it.</summary>
public static class PlotlyJs
{
    /// <summary>The plotly.js version embedded here and requested from the CDN (they must match; a test checks).</summary>
    public const string Version = "3.7.0";

    /// <summary>Where notebooks (online hosts) load plotly.js from when the page does not have it yet.</summary>
    public const string CdnUrl = "https://cdn.jsdelivr.net/npm/plotly.js-dist-min@" + Version + "/plotly.min.js";

    static readonly Lazy<string> Embedded = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Workbench.Viz.plotly.min.js")
            ?? throw new InvalidOperationException("plotly.js is not embedded in Workbench.dll: rebuild the library (it is taken from the Plotly.Blazor package at build time).");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The full minified plotly.js source, for pages that must work offline.</summary>
    public static string Source => Embedded.Value;

    /// <summary>A div plus a script that draws the figure once plotly.js is available. Pages that embed plotly.js
    /// (gallery, standalone files) draw at once; notebook hosts fetch it from the CDN once per page.</summary>
    public static string Fragment(Figure figure)
    {
        var id = "wbfig-" + Guid.NewGuid().ToString("N")[..12];
        return $$"""
            <div id="{{id}}" class="wb-figure" style="width:100%;min-height:{{figure.Height}}px"></div>
            <script type="text/javascript">
            (function () {
              var fig = {{figure.ToJson()}};
              function draw() {
                var el = document.getElementById('{{id}}');
                if (!el) return;
                Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false })
                  .then(function (gd) { if (fig.frames) { return Plotly.addFrames(gd, fig.frames); } });
              }
              if (window.Plotly) { draw(); return; }
              if (!window.__workbenchPlotly) {
                window.__workbenchPlotly = new Promise(function (resolve, reject) {
                  var s = document.createElement('script');
                  s.src = '{{CdnUrl}}';
                  s.onload = resolve; s.onerror = reject;
                  document.head.appendChild(s);
                });
              }
              window.__workbenchPlotly.then(draw);
            })();
            </script>
            """;
    }
}
