using Workbench.Cli.Notebooks;
using Workbench.Tests.Support;

namespace Workbench.Tests.Foundation;

/// <summary>Every notebook under notebooks/ runs, in quick mode, in the same in-process kernel the main job uses.</summary>
[Collection(KernelCollection.Name)]
public class NotebookTests
{
    public static IEnumerable<object[]> All() =>
        Directory.EnumerateFiles(Paths.Notebooks, "*.ipynb", SearchOption.AllDirectories)
            .Where(f => !f.Contains(".ipynb_checkpoints"))
            .Select(f => new object[] { Path.GetRelativePath(Paths.Notebooks, f) })
            .OrderBy(a => (string)a[0], StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(All))]
    public async Task RunsInQuickMode(string notebook)
    {
        Environment.SetEnvironmentVariable(RunMode.QuickVariable, "1");
        var (result, _, _) = await NotebookRunner.RunAsync(Path.Combine(Paths.Notebooks, notebook), notebook);
        Assert.True(result.Succeeded, $"{notebook} cell {result.FailedCell}: {result.Error}");
        Assert.Contains(result.Cells, c => !c.IsMarkdown && c.Outputs.Count > 0);
    }
}
