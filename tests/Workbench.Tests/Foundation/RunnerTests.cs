using System.Text.Json.Nodes;
using Workbench.Cli.Notebooks;
using Workbench.Tests.Support;
using Workbench.Viz;

namespace Workbench.Tests.Foundation;

[Collection(KernelCollection.Name)]
public class RunnerTests
{
    [Fact]
    public async Task ReportsTheFailingCellByNumberAndStopsThere()
    {
        var dir = Paths.TempDir("runner-fail");
        try
        {
            var nb = NotebookFile.Write(Path.Combine(dir, "fail.ipynb"),
                ("md", "# a title"),
                ("cs", "var x = 1;"),
                ("cs", "throw new InvalidOperationException(\"boom at three\");"),
                ("cs", "x + 1"));
            var (result, _, _) = await NotebookRunner.RunAsync(nb, "fail.ipynb");
            Assert.False(result.Succeeded);
            Assert.Equal(3, result.FailedCell);
            Assert.Contains("boom at three", result.Error);
            Assert.Empty(result.Cells[3].Outputs); // not run after the failure
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task CommandExitsNonZeroNamingNotebookAndCell()
    {
        var dir = Paths.TempDir("runner-cli");
        try
        {
            NotebookFile.Write(Path.Combine(dir, "good.ipynb"), ("cs", "Console.WriteLine(\"hello\");"));
            NotebookFile.Write(Path.Combine(dir, "bad.ipynb"), ("md", "x"), ("cs", "int y = \"not an int\";"));
            var outDir = Path.Combine(dir, "out");
            var stderr = new StringWriter();
            var saved = Console.Error;
            Console.SetError(stderr);
            int code;
            try { code = await Workbench.Cli.Cli.RunAsync(new[] { "run", dir, "--out", outDir }); }
            finally { Console.SetError(saved); }
            Assert.Equal(1, code);
            var log = stderr.ToString();
            Assert.Contains("FAILED bad.ipynb: cell 2: ", log);
            Assert.Contains("CS0029", log); // the compiler's error, not a generic message
            Assert.True(File.Exists(Path.Combine(outDir, "good.ipynb")));
            Assert.True(File.Exists(Path.Combine(outDir, "index.html")));
            var executed = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "good.ipynb")))!;
            var output = executed["cells"]![0]!["outputs"]![0]!;
            Assert.Equal("stream", (string?)output["output_type"]);
            Assert.Contains("hello", output["text"]!.ToJsonString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task KeepsFiguresStripsAndUpdatedProgressAsHtmlOutputs()
    {
        var dir = Paths.TempDir("runner-outputs");
        try
        {
            var nb = NotebookFile.Write(Path.Combine(dir, "o.ipynb"),
                ("cs", NotebookFile.Reference),
                ("cs", "using Workbench.Viz;\nnew Figure(\"sq\").Line(new double[] { 1, 2 }, new double[] { 1, 4 })"),
                ("cs", "using Workbench.Progress;\nusing (var p = ProgressTask.Start(\"counting\", 3)) { for (int i = 0; i < 3; i++) p.Advance(); }"));
            var (result, _, timings) = await NotebookRunner.RunAsync(nb, "o.ipynb");
            Assert.True(result.Succeeded, result.Error);
            Assert.Contains(result.Cells[1].Outputs, o => o.MimeType == "text/html" && o.Content.Contains("Plotly.newPlot"));
            var progress = Assert.Single(result.Cells[2].Outputs); // one display, updated in place
            Assert.Contains("counting 100% (3/3)", progress.Content);
            Assert.Contains("done", progress.Content);
            Assert.True(timings.FirstCell > timings.KernelStart);
        }
        finally { Directory.Delete(dir, true); }
    }
}
