namespace Workbench.Viz;

/// <summary>What an output is: a displayed value, a cell's return value, printed text, or an error.</summary>
public enum OutputKind { Display, Result, Stream, Error }

/// <summary>One output of an executed cell: its kind, MIME type and content (HTML, plain text, an error message).</summary>
public sealed record CellOutput(OutputKind Kind, string MimeType, string Content);

/// <summary>A cell after execution: markdown or code, its source, outputs and time taken.</summary>
public sealed record ExecutedCell(int Number, bool IsMarkdown, string Source, IReadOnlyList<CellOutput> Outputs, TimeSpan Duration)
{
    /// <summary>True when the cell raised an error.</summary>
    public bool Failed => Outputs.Any(o => o.Kind == OutputKind.Error);
}

/// <summary>A notebook after a headless run, as the gallery shows it.</summary>
/// <param name="Path">Path relative to the notebooks folder, e.g. "papers/kangaroo.ipynb".</param>
/// <param name="FailedCell">Number (1-based, counting every cell) of the cell that failed, or null.</param>
public sealed record ExecutedNotebook(string Path, IReadOnlyList<ExecutedCell> Cells, TimeSpan Duration, int? FailedCell, string? Error)
{
    /// <summary>True when every code cell ran without error.</summary>
    public bool Succeeded => FailedCell == null && Error == null;
}
