using System.Net;
using System.Text;

namespace Workbench.Viz;

/// <summary>One token in a strip: its text, colours and the details shown on hover.</summary>
/// <param name="Text">The token as displayed (whitespace kept).</param>
/// <param name="Background">Background colour (CSS), e.g. the verdict colour.</param>
/// <param name="Hover">Tooltip text: probabilities, alternatives, scores.</param>
/// <param name="Foreground">Text colour (CSS).</param>
/// <param name="Struck">Draw the token struck through (e.g. a rejected draft token).</param>
/// <param name="Border">Border colour (CSS), e.g. to mark where a draft stopped.</param>
public sealed record TokenChip(string Text, string? Background = null, string? Hover = null, string? Foreground = null,
    bool Struck = false, string? Border = null);

/// <summary>A row of tokens rendered as HTML spans with hover details: the building block of draft, verdict,
/// exit-layer and dropped-token views. Rendered with inline styles so it looks the same in every host.</summary>
public sealed class TokenStrip
{
    readonly List<TokenChip?> _chips = new(); // null = line break
    readonly List<(string Label, string Color)> _legend = new();

    /// <summary>Creates an empty strip with an optional title.</summary>
    public TokenStrip(string? title = null) => Title = title;

    /// <summary>Shown above the tokens.</summary>
    public string? Title { get; set; }

    /// <summary>The tokens in order (line breaks excluded).</summary>
    public IReadOnlyList<TokenChip> Chips => _chips.Where(c => c != null).ToList()!;

    /// <summary>Appends a token.</summary>
    public TokenStrip Add(TokenChip chip)
    {
        _chips.Add(chip);
        return this;
    }

    /// <summary>Appends a token given its text, background and hover text.</summary>
    public TokenStrip Add(string text, string? background = null, string? hover = null) =>
        Add(new TokenChip(text, background, hover));

    /// <summary>Starts a new line.</summary>
    public TokenStrip Break()
    {
        _chips.Add(null);
        return this;
    }

    /// <summary>Adds a legend entry (colour swatch and label) under the strip.</summary>
    public TokenStrip Legend(string label, string color)
    {
        _legend.Add((label, color));
        return this;
    }

    /// <summary>The strip as an HTML fragment.</summary>
    public string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append("<div class=\"wb-strip\" style=\"font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;line-height:2.1\">");
        if (Title != null)
            sb.Append("<div style=\"font-family:system-ui,sans-serif;font-weight:600;margin-bottom:2px\">")
              .Append(WebUtility.HtmlEncode(Title)).Append("</div>");
        foreach (var c in _chips)
        {
            if (c == null) { sb.Append("<br/>"); continue; }
            sb.Append("<span class=\"wb-tok\" style=\"padding:2px 3px;margin:0 1px;border-radius:3px;white-space:pre");
            if (c.Background != null) sb.Append(";background:").Append(Css(c.Background));
            if (c.Foreground != null) sb.Append(";color:").Append(Css(c.Foreground));
            if (c.Struck) sb.Append(";text-decoration:line-through");
            if (c.Border != null) sb.Append(";border:1px solid ").Append(Css(c.Border));
            sb.Append('"');
            if (c.Hover != null) sb.Append(" title=\"").Append(WebUtility.HtmlEncode(c.Hover)).Append('"');
            sb.Append('>').Append(WebUtility.HtmlEncode(c.Text)).Append("</span>");
        }
        if (_legend.Count > 0)
        {
            sb.Append("<div class=\"wb-legend\" style=\"font-family:system-ui,sans-serif;font-size:12px;margin-top:4px\">");
            foreach (var (label, color) in _legend)
                sb.Append("<span style=\"margin-right:12px\"><span style=\"display:inline-block;width:11px;height:11px;border-radius:2px;vertical-align:middle;background:")
                  .Append(Css(color)).Append("\"></span> ").Append(WebUtility.HtmlEncode(label)).Append("</span>");
            sb.Append("</div>");
        }
        sb.Append("</div>");
        return sb.ToString();
    }

    /// <summary>Plain text: the tokens joined, for consoles and logs.</summary>
    public override string ToString() =>
        (Title != null ? Title + ": " : "") + string.Concat(_chips.Select(c => c == null ? "\n" : c.Text));

    /// <summary>Keeps a colour value from breaking out of the style attribute.</summary>
    static string Css(string value) => new(value.Where(ch => char.IsLetterOrDigit(ch) || ch is '#' or '(' or ')' or ',' or '.' or ' ' or '%' or '-').ToArray());
}
