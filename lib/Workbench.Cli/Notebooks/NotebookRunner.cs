using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using KernelInfo = Microsoft.DotNet.Interactive.Documents.KernelInfo;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;
using Workbench.Viz;

namespace Workbench.Cli.Notebooks;

/// <summary>Timings of one notebook run, for the runner-overhead note and progress lines.</summary>
public sealed record RunTimings(TimeSpan KernelStart, TimeSpan? FirstCell);

/// <summary>Executes .ipynb notebooks in-process with the .NET Interactive C# kernel, cell by cell, as the stock
/// Polyglot host would (the same 1.0.0-beta.26120.1 libraries), and keeps every output.</summary>
public static class NotebookRunner
{
    /// <summary>Kernel names used in Polyglot notebooks for C#.</summary>
    static KernelInfoCollection KernelInfos() => new()
    {
        new KernelInfo("csharp", "C#", new[] { "c#", "C#", "cs" }),
        new KernelInfo("markdown", "Markdown", new[] { "md" }),
    };

    /// <summary>Runs one notebook. The kernel's working directory is the notebook's folder (relative #r paths work as
    /// in the stock host). Stops at the first failing cell. <paramref name="onCell"/> hears about each finished cell.</summary>
    public static async Task<(ExecutedNotebook Result, InteractiveDocument Document, RunTimings Timings)> RunAsync(
        string path, string displayPath, Action<ExecutedCell, int>? onCell = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        InteractiveDocument document;
        await using (var stream = File.OpenRead(path))
            document = Notebook.Read(stream, KernelInfos());

        var previousDir = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var cells = new List<ExecutedCell>();
        int? failedCell = null;
        string? error = null;
        TimeSpan kernelStart = TimeSpan.Zero;
        TimeSpan? firstCell = null;
        try
        {
            var kernelClock = Stopwatch.StartNew();
            using var kernel = CreateKernel();
            kernelStart = kernelClock.Elapsed;

            var outputs = new OutputCollector();
            using var subscription = kernel.KernelEvents.Subscribe(outputs.OnEvent);
            int number = 0, codeCells = document.Elements.Count(e => !IsMarkdown(e));
            foreach (var element in document.Elements)
            {
                number++;
                ct.ThrowIfCancellationRequested();
                element.Outputs.Clear();
                if (IsMarkdown(element))
                {
                    cells.Add(new ExecutedCell(number, true, element.Contents, Array.Empty<CellOutput>(), TimeSpan.Zero));
                    continue;
                }
                if (failedCell != null || string.IsNullOrWhiteSpace(element.Contents))
                {
                    cells.Add(new ExecutedCell(number, false, element.Contents, Array.Empty<CellOutput>(), TimeSpan.Zero));
                    continue;
                }
                outputs.Begin();
                var cellClock = Stopwatch.StartNew();
                var result = await kernel.SendAsync(new SubmitCode(element.Contents, "csharp"), ct);
                var elapsed = cellClock.Elapsed;
                firstCell ??= kernelClock.Elapsed;
                var failure = result.Events.OfType<CommandFailed>().FirstOrDefault() ?? outputs.Failure;
                if (failure != null)
                {
                    failedCell = number;
                    error = OneLine(failure.Message);
                    outputs.AddError(failure.Message);
                }
                element.ExecutionOrder = cells.Count(c => !c.IsMarkdown) + 1;
                foreach (var o in outputs.Current) element.Outputs.Add(ToDocumentOutput(o, element.ExecutionOrder));
                var cell = new ExecutedCell(number, false, element.Contents, outputs.Current.ToList(), elapsed);
                cells.Add(cell);
                onCell?.Invoke(cell, codeCells);
            }
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception e)
        {
            error = $"{e.GetType().Name}: {OneLine(e.Message)}";
        }
        finally
        {
            Directory.SetCurrentDirectory(previousDir);
        }
        var executed = new ExecutedNotebook(displayPath, cells, clock.Elapsed, failedCell, error);
        return (executed, document, new RunTimings(kernelStart, firstCell));
    }

    /// <summary>A composite kernel with a C# subkernel set up like the stock host's: #r nuget, kernel helpers
    /// (display, HTML) and value sharing.</summary>
    public static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, refs) =>
            {
                k.AddAssemblyReferences(refs.SelectMany(r => r.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseValueSharing();
        var composite = new CompositeKernel { csharp };
        composite.DefaultKernelName = "csharp";
        return composite;
    }

    /// <summary>Writes the executed document (outputs included) as .ipynb.</summary>
    public static void WriteNotebook(InteractiveDocument document, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var stream = File.Create(path);
        Notebook.Write(document, stream, KernelInfos());
    }

    static bool IsMarkdown(InteractiveDocumentElement e) =>
        string.Equals(e.KernelName, "markdown", StringComparison.OrdinalIgnoreCase);

    static InteractiveDocumentOutputElement ToDocumentOutput(CellOutput o, int executionOrder) => o.Kind switch
    {
        OutputKind.Error => new ErrorElement("Error", OneLine(o.Content), o.Content.Split('\n')),
        OutputKind.Stream => new TextElement(o.Content, "stdout"),
        OutputKind.Result => ResultElement(o, executionOrder),
        _ => new DisplayElement(new Dictionary<string, object> { [o.MimeType] = o.Content }),
    };

    static ReturnValueElement ResultElement(CellOutput o, int executionOrder)
    {
        var element = new ReturnValueElement { ExecutionOrder = executionOrder };
        element.Data[o.MimeType] = o.Content;
        return element;
    }

    internal static string OneLine(string message)
    {
        var first = message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? message;
        return first.Length > 400 ? first[..400] + "…" : first;
    }

    /// <summary>Turns kernel events into cell outputs, replacing updated displays in place.</summary>
    sealed class OutputCollector
    {
        readonly List<(string? Id, CellOutput Output)> _current = new();
        readonly object _gate = new();

        public CommandFailed? Failure { get; private set; }

        public IReadOnlyList<CellOutput> Current
        {
            get { lock (_gate) return _current.Select(x => x.Output).ToList(); }
        }

        public void Begin()
        {
            lock (_gate) { _current.Clear(); Failure = null; }
        }

        public void AddError(string message)
        {
            lock (_gate) _current.Add((null, new CellOutput(OutputKind.Error, "text/plain", message)));
        }

        public void OnEvent(KernelEvent e)
        {
            lock (_gate)
            {
                switch (e)
                {
                    case CommandFailed f when f.Command is SubmitCode:
                        Failure ??= f;
                        break;
                    case DisplayedValueUpdated u:
                        var index = _current.FindIndex(x => x.Id == u.ValueId);
                        var updated = Pick(u, OutputKind.Display);
                        if (updated == null) break;
                        if (index >= 0) _current[index] = (u.ValueId, updated);
                        else _current.Add((u.ValueId, updated));
                        break;
                    case StandardOutputValueProduced or StandardErrorValueProduced:
                        var text = ((DisplayEvent)e).FormattedValues.FirstOrDefault()?.Value ?? "";
                        // Consecutive prints form one stream output, as in Jupyter.
                        if (_current.Count > 0 && _current[^1].Id == "stdout")
                            _current[^1] = ("stdout", _current[^1].Output with { Content = _current[^1].Output.Content + text });
                        else _current.Add(("stdout", new CellOutput(OutputKind.Stream, "text/plain", text)));
                        break;
                    case DisplayEvent d:
                        var output = Pick(d, d is ReturnValueProduced ? OutputKind.Result : OutputKind.Display);
                        if (output != null) _current.Add((d.ValueId, output));
                        break;
                }
            }
        }

        /// <summary>HTML when the value has it (that is what a notebook shows), else plain text.</summary>
        static CellOutput? Pick(DisplayEvent d, OutputKind kind)
        {
            var values = d.FormattedValues;
            var chosen = values.FirstOrDefault(v => v.MimeType == "text/html") ?? values.FirstOrDefault();
            return chosen == null || chosen.SuppressDisplay ? null : new CellOutput(kind, chosen.MimeType, chosen.Value);
        }
    }
}
