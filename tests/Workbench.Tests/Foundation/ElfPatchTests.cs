namespace Workbench.Tests.Foundation;

public class ElfPatchTests
{
    /// <summary>The unpatched libLibTorchSharp.so as shipped in the NuGet package.</summary>
    public static string ShippedLibrary()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), "shipped TorchSharp native library not found at " + path);
        return path;
    }

    static string Copy(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "workbench-tests", "elf-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var copy = Path.Combine(dir, "libLibTorchSharp.so");
        File.Copy(ShippedLibrary(), copy);
        return copy;
    }

    [Fact]
    public void ShippedLibraryRequiresGlibcxx3432OnlyThroughTheLinkTimeMarker()
    {
        var elf = File.ReadAllBytes(ShippedLibrary());
        var required = ElfVersions.RequiredVersions(elf, "libstdc++.so.6");
        var v3432 = Assert.Single(required, r => r.Name == "GLIBCXX_3.4.32");
        Assert.False(v3432.Weak);
        Assert.Equal(new[] { "_ZSt21ios_base_library_initv" }, ElfVersions.SymbolsBoundTo(elf, v3432.Index));
    }

    [Fact]
    public void WeakensOnlyTheVersionsTheSystemLacksAndIsIdempotent()
    {
        var copy = Copy("weaken");
        try
        {
            var before = File.ReadAllBytes(copy);
            var provided = ElfVersions.RequiredVersions(before, "libstdc++.so.6").Select(r => r.Name)
                .Where(n => n != "GLIBCXX_3.4.32").ToHashSet();

            var first = ElfVersions.WeakenMissing(copy, "libstdc++.so.6", provided);
            Assert.Equal(new[] { "GLIBCXX_3.4.32" }, first.Weakened);
            Assert.Empty(first.Unfixable);

            var after = File.ReadAllBytes(copy);
            Assert.Equal(before.Length, after.Length);
            var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
            Assert.Single(changed); // one byte: vna_flags |= VER_FLG_WEAK
            Assert.Equal(before[changed[0]] | 0x2, after[changed[0]]);

            var second = ElfVersions.WeakenMissing(copy, "libstdc++.so.6", provided);
            Assert.Empty(second.Weakened);
            Assert.Equal(new[] { "GLIBCXX_3.4.32" }, second.AlreadyWeak);
            Assert.Equal(after, File.ReadAllBytes(copy));
        }
        finally { Directory.Delete(Path.GetDirectoryName(copy)!, true); }
    }

    [Fact]
    public void LeavesTheLibraryUntouchedWhenTheSystemHasEveryVersion()
    {
        var copy = Copy("untouched");
        try
        {
            var before = File.ReadAllBytes(copy);
            var all = ElfVersions.RequiredVersions(before, "libstdc++.so.6").Select(r => r.Name).ToHashSet();
            var outcome = ElfVersions.WeakenMissing(copy, "libstdc++.so.6", all);
            Assert.Empty(outcome.Weakened);
            Assert.Equal(before, File.ReadAllBytes(copy));
        }
        finally { Directory.Delete(Path.GetDirectoryName(copy)!, true); }
    }

    [Fact]
    public void BuildOutputIsPatchedWhereTheSystemLacksTheVersion()
    {
        var system = ElfVersions.FindSystemLibstdcxx()!;
        var lacks = !ElfVersions.DefinedVersions(system).Contains("GLIBCXX_3.4.32");
        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var v = ElfVersions.RequiredVersions(File.ReadAllBytes(output), "libstdc++.so.6").Single(r => r.Name == "GLIBCXX_3.4.32");
        Assert.Equal(lacks, v.Weak);
    }
}
