using System.Diagnostics;

namespace Workbench.Progress;

/// <summary>A snapshot of long work: what, how far, and how long it has taken.</summary>
public sealed record ProgressUpdate(string Label, long Done, long Total, string? Detail, TimeSpan Elapsed, bool Finished)
{
    /// <summary>Fraction done in [0, 1] (0 when the total is unknown).</summary>
    public double Fraction => Total > 0 ? Math.Clamp((double)Done / Total, 0, 1) : 0;

    /// <summary>Estimated time left, from the rate so far (null before any progress).</summary>
    public TimeSpan? Remaining => Done > 0 && Total > 0 && !Finished
        ? TimeSpan.FromSeconds(Elapsed.TotalSeconds / Done * (Total - Done)) : null;

    /// <summary>One line: "training 45% (450/1000) loss 2.31, 12 s, ~15 s left".</summary>
    public override string ToString()
    {
        var s = Total > 0 ? $"{Label} {Fraction * 100:0}% ({Done}/{Total})" : $"{Label} ({Done})";
        if (Detail != null) s += " " + Detail;
        s += $", {Elapsed.TotalSeconds:0.#} s";
        if (Finished) s += ", done";
        else if (Remaining is { } r) s += $", ~{r.TotalSeconds:0} s left";
        return s;
    }
}

/// <summary>Where progress goes: a notebook display, the console, or nowhere.</summary>
public interface IProgressSink
{
    /// <summary>Shows an update (sinks decide how often to redraw).</summary>
    void Report(ProgressUpdate update);
}

/// <summary>Reports long work to the current sink: <c>using var p = ProgressTask.Start("training", steps); p.Advance();</c></summary>
public sealed class ProgressTask : IDisposable
{
    static readonly AsyncLocal<IProgressSink?> Override = new();
    readonly IProgressSink _sink;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    long _done;
    string? _detail;
    bool _finished;

    ProgressTask(string label, long total, IProgressSink sink)
    {
        Label = label;
        Total = total;
        _sink = sink;
        Publish();
    }

    /// <summary>What is being done.</summary>
    public string Label { get; }

    /// <summary>Units of work in total (0 when unknown).</summary>
    public long Total { get; }

    /// <summary>Units done so far.</summary>
    public long Done => _done;

    /// <summary>Sends progress to <paramref name="sink"/> (or nowhere, when null) for the current async flow.</summary>
    public static IDisposable Redirect(IProgressSink? sink)
    {
        var previous = Override.Value;
        Override.Value = sink ?? NullSink.Instance;
        return new Restore(() => Override.Value = previous);
    }

    /// <summary>The sink used now: an override, else a notebook display inside a kernel, else the console.</summary>
    public static IProgressSink CurrentSink =>
        Override.Value ?? (IProgressSink?)NotebookProgressSink.TryCreate() ?? ConsoleProgressSink.Shared;

    /// <summary>Starts reporting a piece of long work.</summary>
    public static ProgressTask Start(string label, long total) => new(label, total, CurrentSink);

    /// <summary>Marks <paramref name="units"/> more done, with an optional detail (e.g. the current loss).</summary>
    public void Advance(long units = 1, string? detail = null)
    {
        _done += units;
        if (detail != null) _detail = detail;
        Publish();
    }

    /// <summary>Sets the amount done.</summary>
    public void Set(long done, string? detail = null)
    {
        _done = done;
        if (detail != null) _detail = detail;
        Publish();
    }

    /// <summary>Marks the work finished (also done by Dispose).</summary>
    public void Finish(string? detail = null)
    {
        if (_finished) return;
        _finished = true;
        if (detail != null) _detail = detail;
        if (Total > 0 && _done < Total && detail == null) _done = Total;
        Publish();
    }

    /// <inheritdoc/>
    public void Dispose() => Finish();

    void Publish() => _sink.Report(new ProgressUpdate(Label, _done, Total, _detail, _clock.Elapsed, _finished));

    sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}

/// <summary>Discards progress (tests, quiet runs).</summary>
public sealed class NullSink : IProgressSink
{
    /// <summary>The one instance.</summary>
    public static readonly NullSink Instance = new();

    /// <inheritdoc/>
    public void Report(ProgressUpdate update) { }
}
