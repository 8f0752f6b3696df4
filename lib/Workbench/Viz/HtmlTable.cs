using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;

namespace Workbench.Viz;

/// <summary>Small HTML tables with inline styles (they must look right in hosts that lack our CSS).</summary>
public static class HtmlTable
{
    const string CellStyle = "border:1px solid #ddd;padding:3px 8px;text-align:right;font-size:13px";

    /// <summary>Opening tag of a table.</summary>
    public const string Open = "<table class=\"wb-table\" style=\"border-collapse:collapse;margin:4px 0\">";

    /// <summary>A body cell.</summary>
    public static string Cell(string text) => $"<td style=\"{CellStyle}\">{WebUtility.HtmlEncode(text)}</td>";

    /// <summary>A header cell.</summary>
    public static string Head(string text) => $"<th style=\"{CellStyle};background:#f4f4f4\">{WebUtility.HtmlEncode(text)}</th>";

    /// <summary>Rows shown at most when previewing a DataFrame.</summary>
    public const int MaxRows = 25;

    /// <summary>A DataFrame as a table: column names and types, the first rows, and the row count.</summary>
    public static string From(DataFrame df)
    {
        var sb = new StringBuilder("<div class=\"wb-dataframe\">").Append(Open).Append("<tr>");
        foreach (var col in df.Columns) sb.Append(Head(col.Name));
        sb.Append("</tr>");
        long shown = Math.Min(df.Rows.Count, MaxRows);
        for (long r = 0; r < shown; r++)
        {
            sb.Append("<tr>");
            foreach (var col in df.Columns) sb.Append(Cell(FormatValue(col[r])));
            sb.Append("</tr>");
        }
        sb.Append("</table><div class=\"wb-caption\" style=\"color:#666;font-size:12px\">")
          .Append(df.Rows.Count).Append(" rows × ").Append(df.Columns.Count).Append(" columns");
        if (df.Rows.Count > shown) sb.Append(" (first ").Append(shown).Append(" shown)");
        return sb.Append("</div></div>").ToString();
    }

    /// <summary>Numbers with four significant decimals; null as an empty cell.</summary>
    public static string FormatValue(object? v) => v switch
    {
        null => "",
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        float f => f.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };
}
