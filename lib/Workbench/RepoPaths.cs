namespace Workbench;

/// <summary>Finds this repository's folders at run time (from the current folder or the library's build output).</summary>
public static class RepoPaths
{
    /// <summary>The repository root (the folder holding Workbench.sln), or null when run outside the repository.</summary>
    public static string? Root
    {
        get
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), Path.GetDirectoryName(typeof(RepoPaths).Assembly.Location)! })
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "Workbench.sln"))) return dir.FullName;
            return null;
        }
    }

    /// <summary>A path under the repository root; throws a one-line error outside the repository.</summary>
    public static string Under(params string[] parts) =>
        Path.Combine(new[] { Root ?? throw new DirectoryNotFoundException($"not inside the Workbench repository (no Workbench.sln above {Directory.GetCurrentDirectory()})") }
            .Concat(parts).ToArray());
}
