using System.CommandLine;
using System.Text.Json;
using Workbench.Cost;

namespace Workbench.Cli.Commands;

/// <summary><c>workbench bench &lt;name&gt; [--quick] [--json FILE]</c>: benchmarks measured side by side in one run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("name") { Description = "The benchmark (omit to list them)", Arity = ArgumentArity.ZeroOrOne };
        var quick = new Option<bool>("--quick") { Description = "A smoke-sized run" };
        var json = new Option<string?>("--json") { Description = "Write the report to this JSON file" };
        var command = new Command("bench", "Run a benchmark; prints ratios measured side by side in one run") { name, quick, json };
        command.SetAction(parse => Run(parse.GetValue(name), parse.GetValue(quick), parse.GetValue(json)));
        return command;
    }

    static int Run(string? name, bool quick, string? jsonPath)
    {
        if (name == null)
        {
            foreach (var b in Benchmarks.All) Console.WriteLine($"{b.Name,-16} {b.Description}");
            return 0;
        }
        var bench = Benchmarks.Find(name)
            ?? throw new UserError($"no benchmark named '{name}' (benchmarks: {string.Join(", ", Benchmarks.All.Select(b => b.Name))})");
        var report = bench.Run(quick);
        var text = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(text);
        if (jsonPath != null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
            File.WriteAllText(jsonPath, text);
        }
        return 0;
    }
}
