using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workbench.Papers;
using Workbench.Viz;

namespace Workbench.Cli.Commands;

/// <summary><c>workbench reproduce &lt;slug|all&gt; [--quick] [--check] [--json FILE] [--out DIR]</c>: runs a paper's
/// experiment without a notebook, prints each criterion with its measured value and the key figure's numbers, and
/// writes the figure as standalone HTML.</summary>
public static class ReproduceCommand
{
    public static Command Create()
    {
        var slug = new Argument<string>("slug") { Description = "A paper slug (see ../shared/papers), or 'all'" };
        var quick = new Option<bool>("--quick") { Description = "Quick size (seconds; what tests and CI run)" };
        var check = new Option<bool>("--check") { Description = "Exit 0 only if every 'reproduced if' criterion holds" };
        var json = new Option<string?>("--json") { Description = "Write criteria and numbers to this JSON file" };
        var output = new Option<string>("--out") { Description = "Folder for the figure HTML", DefaultValueFactory = _ => "artifacts" };
        var command = new Command("reproduce", "Run a paper's reproduction headless and report its criteria") { slug, quick, check, json, output };
        command.SetAction(parse => Run(parse.GetValue(slug)!, parse.GetValue(quick), parse.GetValue(check), parse.GetValue(json), parse.GetValue(output)!));
        return command;
    }

    static int Run(string slug, bool quick, bool check, string? jsonPath, string outDir)
    {
        var papers = slug == "all" ? PaperRegistry.All.ToList()
            : PaperRegistry.Find(slug) is { } p ? new List<IPaper> { p }
            : throw new UserError($"no reproduction named '{slug}' (implemented: {string.Join(", ", PaperRegistry.All.Select(x => x.Slug).DefaultIfEmpty("none yet"))})");
        if (papers.Count == 0) throw new UserError("no paper reproductions are implemented yet");
        if (quick) Environment.SetEnvironmentVariable(RunMode.QuickVariable, "1");

        var results = new List<Reproduction>();
        foreach (var paper in papers)
        {
            Console.Error.WriteLine($"reproducing {paper.Slug} ({paper.Title}), {(quick ? "quick" : "full")} size");
            var r = paper.Reproduce(quick);
            results.Add(r);
            Console.WriteLine(r.ToString());
            if (r.Numbers.Count > 0)
                Console.WriteLine("  numbers: " + r.Numbers.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Replace("\n", "\n  "));
            var page = Path.Combine(outDir, "reproduce", $"{r.Slug}.html");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(page))!);
            File.WriteAllText(page, HtmlPage.Standalone($"{r.Title}: reproduction", r.ToHtml()));
            Console.WriteLine($"  figure: {page}");
        }
        if (jsonPath != null)
        {
            JsonNode doc = results.Count == 1 && slug != "all" ? results[0].ToJson()
                : new JsonArray(results.Select(r => (JsonNode)r.ToJson()).ToArray());
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
            File.WriteAllText(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        if (!check) return 0;
        var failing = results.Where(r => !r.AllHold).Select(r => r.Slug).ToList();
        if (failing.Count > 0) Console.Error.WriteLine($"check failed: {string.Join(", ", failing)}");
        return failing.Count == 0 ? 0 : 1;
    }
}
