using System.CommandLine;
using System.Diagnostics;
using Workbench.Cli.Notebooks;
using Workbench.Viz;

namespace Workbench.Cli.Commands;

/// <summary><c>workbench run [paths…] [--quick] [--out DIR]</c>: the main job. Executes notebooks headless, writes the
/// executed .ipynb files and an offline HTML gallery, and fails naming the notebook and cell that failed.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Notebooks or folders to run (default: every notebook under notebooks/)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var quick = new Option<bool>("--quick") { Description = "Use each experiment's quick size (sets WORKBENCH_QUICK=1)" };
        var output = new Option<string>("--out") { Description = "Where executed notebooks and the gallery go", DefaultValueFactory = _ => "artifacts" };
        var command = new Command("run", "Execute notebooks headless and write them, with outputs, plus an HTML gallery")
        {
            paths, quick, output,
        };
        command.SetAction(async (parse, ct) =>
            await Run(parse.GetValue(paths) ?? Array.Empty<string>(), parse.GetValue(quick), parse.GetValue(output)!, ct));
        return command;
    }

    static async Task<int> Run(string[] paths, bool quick, string outDir, CancellationToken ct)
    {
        if (quick) Environment.SetEnvironmentVariable(RunMode.QuickVariable, "1");
        var root = Repo.Root();
        var notebooksDir = Path.Combine(root, "notebooks");
        var files = Resolve(paths.Length > 0 ? paths : new[] { notebooksDir });
        if (files.Count == 0) throw new UserError($"no notebooks found in {string.Join(", ", paths.DefaultIfEmpty(notebooksDir))}");

        var results = new List<ExecutedNotebook>();
        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"running {files.Count} notebook(s){(RunMode.Quick ? " in quick mode" : "")} -> {outDir}/");
        for (int i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var rel = RelativeTo(notebooksDir, file);
            Console.Error.WriteLine($"[{i + 1}/{files.Count}] {rel}");
            var (result, document, timings) = await NotebookRunner.RunAsync(file, rel,
                (cell, total) => Console.Error.WriteLine(
                    $"    cell {cell.Number,3}  {cell.Duration.TotalSeconds,6:0.00} s{(cell.Failed ? "  FAILED" : "")}"),
                ct);
            NotebookRunner.WriteNotebook(document, Path.Combine(outDir, rel));
            results.Add(result);
            Console.Error.WriteLine(result.Succeeded
                ? $"    ok in {result.Duration.TotalSeconds:0.0} s (kernel start {timings.KernelStart.TotalSeconds:0.00} s, first cell result at {timings.FirstCell?.TotalSeconds:0.00} s)"
                : $"    FAILED {rel} cell {result.FailedCell?.ToString() ?? "-"}: {result.Error}");
        }
        var gallery = Gallery.Write(Path.Combine(outDir, "index.html"), results);
        var failed = results.Where(r => !r.Succeeded).ToList();
        Console.Error.WriteLine($"gallery: {gallery} ({clock.Elapsed.TotalSeconds:0} s)");
        foreach (var f in failed)
            Console.Error.WriteLine($"FAILED {f.Path}: cell {f.FailedCell?.ToString() ?? "-"}: {f.Error}");
        return failed.Count == 0 ? 0 : 1;
    }

    /// <summary>Expands folders into the notebooks they hold (sorted); checks that files exist.</summary>
    internal static List<string> Resolve(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var p in paths)
        {
            if (Directory.Exists(p))
                files.AddRange(Directory.EnumerateFiles(p, "*.ipynb", SearchOption.AllDirectories)
                    .Where(f => !f.Contains(".ipynb_checkpoints"))
                    .OrderBy(f => f, StringComparer.Ordinal));
            else if (File.Exists(p) && p.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)) files.Add(p);
            else throw new UserError($"not a notebook or folder: {p}");
        }
        return files.Select(Path.GetFullPath).Distinct().ToList();
    }

    static string RelativeTo(string dir, string file)
    {
        var rel = Path.GetRelativePath(dir, file);
        return rel.StartsWith("..") ? Path.GetFileName(file) : rel;
    }
}
