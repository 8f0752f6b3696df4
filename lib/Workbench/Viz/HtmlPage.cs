using System.Net;

namespace Workbench.Viz;

/// <summary>Self-contained HTML pages (plotly.js embedded) for standalone figures and reports.</summary>
public static class HtmlPage
{
    /// <summary>Shared CSS for token strips, tables and report pages.</summary>
    public const string Css = """
        body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
        .wb-strip { font-family: ui-monospace, Menlo, Consolas, monospace; line-height: 2.1; font-size: 13px; }
        .wb-strip .wb-tok { padding: 2px 3px; margin: 0 1px; border-radius: 3px; white-space: pre; }
        .wb-strip .wb-legend { font-family: system-ui, sans-serif; font-size: 12px; margin-top: 4px; }
        .wb-strip .wb-legend span { margin-right: 12px; }
        table.wb-table { border-collapse: collapse; font-size: 13px; }
        table.wb-table th, table.wb-table td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
        table.wb-table th { background: #f4f4f4; }
        .wb-caption { color: #666; font-size: 12px; }
        """;

    /// <summary>A complete page around an HTML body, with plotly.js inlined so figures render offline.</summary>
    public static string Standalone(string title, string body) => $"""
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(title)}</title>
        <style>{Css}</style>
        <script type="text/javascript">{PlotlyJs.Source.Replace("</script", "<\\/script")}</script>
        </head><body>
        {body}
        </body></html>
        """;
}
