using System.Globalization;
using System.Net;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbench.Viz;

/// <summary>Text and HTML previews of a tensor: shape, dtype, device and a corner of its values.</summary>
public static class TensorView
{
    /// <summary>Rows and columns shown at most.</summary>
    public const int MaxRows = 6, MaxCols = 8;

    /// <summary>"Tensor [2, 3] Float32 cpu".</summary>
    public static string Header(Tensor t) =>
        $"Tensor [{string.Join(", ", t.shape)}] {t.dtype} {t.device.type.ToString().ToLowerInvariant()}" + (t.requires_grad ? " requires_grad" : "");

    /// <summary>The top-left corner of the tensor's last two dimensions (first index of any leading ones).</summary>
    public static string[,] Corner(Tensor t, out bool moreRows, out bool moreCols)
    {
        using var scope = NewDisposeScope();
        var x = t.detach().cpu();
        while (x.dim() > 2) x = x[0];
        if (x.dim() == 0) x = x.reshape(1, 1);
        else if (x.dim() == 1) x = x.unsqueeze(0);
        long rows = x.shape[0], cols = x.shape[1];
        moreRows = rows > MaxRows;
        moreCols = cols > MaxCols;
        var corner = x[TensorIndex.Slice(0, Math.Min(rows, MaxRows)), TensorIndex.Slice(0, Math.Min(cols, MaxCols))];
        var result = new string[corner.shape[0], corner.shape[1]];
        bool isBool = corner.dtype == ScalarType.Bool;
        bool isInt = corner.dtype is ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 or ScalarType.Byte;
        var values = corner.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        for (int r = 0; r < result.GetLength(0); r++)
            for (int c = 0; c < result.GetLength(1); c++)
            {
                double v = values[r * result.GetLength(1) + c];
                result[r, c] = isBool ? (v != 0 ? "true" : "false")
                    : isInt ? ((long)v).ToString(CultureInfo.InvariantCulture)
                    : v.ToString("0.####", CultureInfo.InvariantCulture);
            }
        return result;
    }

    /// <summary>Plain-text preview.</summary>
    public static string ToText(Tensor t)
    {
        var sb = new StringBuilder(Header(t));
        if (t.numel() == 0) return sb.ToString();
        var cells = Corner(t, out var moreRows, out var moreCols);
        for (int r = 0; r < cells.GetLength(0); r++)
        {
            sb.Append("\n  ");
            for (int c = 0; c < cells.GetLength(1); c++) sb.Append(cells[r, c].PadLeft(9));
            if (moreCols) sb.Append("  …");
        }
        if (moreRows) sb.Append("\n  …");
        return sb.ToString();
    }

    /// <summary>HTML preview: a header line and a small table.</summary>
    public static string ToHtml(Tensor t)
    {
        var sb = new StringBuilder("<div class=\"wb-tensor\"><div style=\"font-family:ui-monospace,monospace;font-size:13px\">")
            .Append(WebUtility.HtmlEncode(Header(t))).Append("</div>");
        if (t.numel() > 0)
        {
            var cells = Corner(t, out var moreRows, out var moreCols);
            sb.Append(HtmlTable.Open);
            for (int r = 0; r < cells.GetLength(0); r++)
            {
                sb.Append("<tr>");
                for (int c = 0; c < cells.GetLength(1); c++) sb.Append(HtmlTable.Cell(cells[r, c]));
                if (moreCols) sb.Append(HtmlTable.Cell("…"));
                sb.Append("</tr>");
            }
            if (moreRows) sb.Append("<tr>").Append(HtmlTable.Cell("…")).Append("</tr>");
            sb.Append("</table>");
        }
        return sb.Append("</div>").ToString();
    }
}
