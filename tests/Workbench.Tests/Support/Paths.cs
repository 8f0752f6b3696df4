namespace Workbench.Tests.Support;

/// <summary>Locations the tests need: the repository, its notebooks, the library build output.</summary>
public static class Paths
{
    public static string Root { get; } = FindRoot();

    public static string Notebooks => Path.Combine(Root, "notebooks");

    /// <summary>The Workbench.dll the notebooks reference (lib/Workbench/bin/Debug/net10.0).</summary>
    public static string LibraryDll => Path.Combine(Root, "lib", "Workbench", "bin", "Debug", "net10.0", "Workbench.dll");

    static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Workbench.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (Workbench.sln) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A fresh temporary folder, removed at process exit is not guaranteed: tests clean up themselves.</summary>
    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "workbench-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
