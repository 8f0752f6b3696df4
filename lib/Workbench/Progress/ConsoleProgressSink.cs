namespace Workbench.Progress;

/// <summary>Progress on standard error: a redrawn line on a terminal, a line per tenth when redirected (CI logs).</summary>
public sealed class ConsoleProgressSink : IProgressSink
{
    /// <summary>The process-wide console sink.</summary>
    public static readonly ConsoleProgressSink Shared = new();

    readonly object _gate = new();
    DateTime _lastDraw = DateTime.MinValue;
    int _lastTenth = -1;
    string? _lastLabel;

    /// <inheritdoc/>
    public void Report(ProgressUpdate u)
    {
        lock (_gate)
        {
            if (u.Label != _lastLabel) { _lastLabel = u.Label; _lastTenth = -1; }
            if (Console.IsErrorRedirected)
            {
                int tenth = (int)(u.Fraction * 10);
                if (!u.Finished && tenth == _lastTenth) return;
                _lastTenth = tenth;
                Console.Error.WriteLine(u.ToString());
                return;
            }
            var now = DateTime.UtcNow;
            if (!u.Finished && (now - _lastDraw).TotalMilliseconds < 150) return;
            _lastDraw = now;
            const int width = 24;
            int filled = (int)(u.Fraction * width);
            var bar = u.Total > 0 ? "[" + new string('#', filled) + new string('.', width - filled) + "] " : "";
            var line = bar + u;
            int max = Math.Max(20, SafeWidth() - 1);
            if (line.Length > max) line = line[..max];
            Console.Error.Write("\r" + line.PadRight(max));
            if (u.Finished) Console.Error.WriteLine();
        }
    }

    static int SafeWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 100; }
        catch (IOException) { return 100; }
    }
}
