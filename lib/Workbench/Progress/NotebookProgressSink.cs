using System.Net;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Workbench.Viz;

namespace Workbench.Progress;

/// <summary>Progress as an updating display in the notebook cell that started the work.</summary>
public sealed class NotebookProgressSink : IProgressSink
{
    readonly KernelInvocationContext _context;
    DisplayedValue? _display;
    DateTime _lastDraw = DateTime.MinValue;

    NotebookProgressSink(KernelInvocationContext context) => _context = context;

    /// <summary>A sink for the running cell, or null outside a notebook kernel.</summary>
    public static NotebookProgressSink? TryCreate() =>
        KernelInvocationContext.Current is { } ctx ? new NotebookProgressSink(ctx) : null;

    /// <inheritdoc/>
    public void Report(ProgressUpdate u)
    {
        var now = DateTime.UtcNow;
        if (_display != null && !u.Finished && (now - _lastDraw).TotalMilliseconds < 250) return;
        _lastDraw = now;
        var html = new HtmlView(Render(u));
        if (_display == null) _display = _context.Display(html, HtmlFormatter.MimeType);
        else _display.Update(html);
    }

    /// <summary>A progress bar with the update's text.</summary>
    public static string Render(ProgressUpdate u)
    {
        var bar = u.Total > 0 ? $"<progress value=\"{u.Done}\" max=\"{u.Total}\" style=\"width:220px;vertical-align:middle\"></progress> " : "";
        return $"<div class=\"wb-progress\" style=\"font-family:system-ui,sans-serif;font-size:13px\">{bar}{WebUtility.HtmlEncode(u.ToString())}</div>";
    }
}
