using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Workbench.Viz;

namespace Workbench.Papers;

/// <summary>One "Reproduced if" criterion of a paper spec, with the value measured in this run.</summary>
/// <param name="Statement">The criterion as the spec states it.</param>
/// <param name="Measured">What this run measured, with units (e.g. "2.4x at tau = 0.5, accuracy -0.3 pt").</param>
/// <param name="Holds">Whether the measured value meets the criterion.</param>
public sealed record Criterion(string Statement, string Measured, bool Holds);

/// <summary>What a paper reproduction produced: criteria with measured values, the key figure(s), and the figure's
/// numbers (for JSON and terminals).</summary>
public sealed record Reproduction(
    string Slug, string Title, bool Quick, IReadOnlyList<Criterion> Criteria, IReadOnlyList<Figure> Figures,
    JsonObject Numbers, TimeSpan Wall)
{
    /// <summary>True when every criterion holds.</summary>
    public bool AllHold => Criteria.All(c => c.Holds);

    /// <summary>The result as JSON: slug, size, wall time, criteria, numbers.</summary>
    public JsonObject ToJson() => new()
    {
        ["slug"] = Slug,
        ["title"] = Title,
        ["quick"] = Quick,
        ["wall_seconds"] = Math.Round(Wall.TotalSeconds, 2),
        ["all_hold"] = AllHold,
        ["criteria"] = new JsonArray(Criteria.Select(c => (JsonNode)new JsonObject
        {
            ["statement"] = c.Statement, ["measured"] = c.Measured, ["holds"] = c.Holds,
        }).ToArray()),
        ["numbers"] = Numbers.DeepClone(),
    };

    /// <summary>Criteria as an HTML table (holds / does not hold, measured value).</summary>
    public string CriteriaHtml() => CriteriaTable(Criteria).Content;

    /// <summary>Any criteria as an HTML table (what a notebook shows before its figures).</summary>
    public static HtmlView CriteriaTable(IEnumerable<Criterion> criteria)
    {
        var sb = new StringBuilder(HtmlTable.Open.Replace("margin:4px 0", "margin:4px 0;text-align:left"))
            .Append("<tr>").Append(HtmlTable.Head("reproduced if")).Append(HtmlTable.Head("measured")).Append(HtmlTable.Head("")).Append("</tr>");
        foreach (var c in criteria)
            sb.Append("<tr><td style=\"border:1px solid #ddd;padding:3px 8px;text-align:left\">").Append(WebUtility.HtmlEncode(c.Statement))
              .Append("</td><td style=\"border:1px solid #ddd;padding:3px 8px;text-align:left\">").Append(WebUtility.HtmlEncode(c.Measured))
              .Append("</td><td style=\"border:1px solid #ddd;padding:3px 8px;font-weight:600;color:")
              .Append(c.Holds ? "#1a7f37\">holds" : "#c00\">does not hold").Append("</td></tr>");
        return new HtmlView(sb.Append("</table>").ToString());
    }

    /// <summary>Criteria table followed by every figure.</summary>
    public string ToHtml() =>
        $"<div><div style=\"font-weight:600;margin:4px 0\">{WebUtility.HtmlEncode(Title)} ({(Quick ? "quick" : "full")} run, {Wall.TotalSeconds:0.#} s)</div>"
        + CriteriaHtml() + string.Concat(Figures.Select(f => f.ToHtml())) + "</div>";

    /// <summary>Terminal lines: one per criterion.</summary>
    public override string ToString() =>
        $"{Slug} ({(Quick ? "quick" : "full")}, {Wall.TotalSeconds:0.0} s)\n" +
        string.Join("\n", Criteria.Select(c => $"  [{(c.Holds ? "holds" : "FAILS")}] {c.Statement}: {c.Measured}"));
}
