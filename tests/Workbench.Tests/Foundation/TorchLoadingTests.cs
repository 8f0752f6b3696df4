using System.Runtime.InteropServices;
using TorchSharp;
using Workbench.Cli.Notebooks;
using Workbench.Tests.Support;
using Workbench.Torch;

namespace Workbench.Tests.Foundation;

public class TorchLoadingTests
{
    [Fact]
    public void TensorOpRunsInTestProcess()
    {
        TorchRuntime.EnsureLoaded();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.t());
        Assert.Equal(new long[] { 2, 2 }, b.shape);
        Assert.Equal(5f, b[0, 0].item<float>());   // 0 + 1 + 4
        Assert.Equal(50f, b[1, 1].item<float>());  // 9 + 16 + 25
    }

    [Fact]
    public void StatusNamesVersionsAndDevice()
    {
        var status = Library.Status();
        Assert.Contains("TorchSharp 0.107.0", status);
        Assert.Contains("libtorch 2.10", status);
        Assert.Contains("device cpu", status);
    }

    [Fact]
    public void DlopenVersionFailureBecomesOneActionableLine()
    {
        var e = new DllNotFoundException("Unable to load shared library 'x' or one of its dependencies.\n"
            + "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /p/libLibTorchSharp.so)");
        var line = TorchRuntime.Explain("/p/libLibTorchSharp.so", e);
        Assert.DoesNotContain("\n", line);
        Assert.Contains("libstdc++ lacks GLIBCXX_3.4.32", line);
        Assert.Contains("Ubuntu 24.04", line);
    }

    [SkippableFact]
    public void UnpatchedLibraryFailsWithTheRealReasonOnOldLibstdcxx()
    {
        var system = ElfVersions.FindSystemLibstdcxx();
        Skip.If(system == null || ElfVersions.DefinedVersions(system).Contains("GLIBCXX_3.4.32"),
            "the system libstdc++ has GLIBCXX_3.4.32: the shipped library loads unpatched here");
        var dir = Paths.TempDir("unpatched");
        try
        {
            var copy = Path.Combine(dir, "libLibTorchSharp.so");
            File.Copy(ElfPatchTests.ShippedLibrary(), copy);
            var e = Assert.ThrowsAny<Exception>(() => NativeLibrary.Load(copy));
            var line = TorchRuntime.Explain(copy, e);
            Assert.Contains("lacks GLIBCXX_3.4.32", line);
        }
        finally { Directory.Delete(dir, true); }
    }
}

[Collection(KernelCollection.Name)]
public class TorchInKernelTests
{
    [Fact]
    public async Task TensorOpRunsInsideANotebookKernel()
    {
        var dir = Paths.TempDir("kernel-tensor");
        try
        {
            var nb = NotebookFile.Write(Path.Combine(dir, "t.ipynb"),
                ("cs", NotebookFile.Reference),
                ("cs", "using TorchSharp;\nvar x = torch.arange(4, dtype: torch.float32);\n(x * x).sum().item<float>()"));
            var (result, _, _) = await NotebookRunner.RunAsync(nb, "t.ipynb");
            Assert.True(result.Succeeded, result.Error);
            var value = result.Cells[1].Outputs.Single();
            Assert.Contains(">14<", value.Content); // 0 + 1 + 4 + 9
        }
        finally { Directory.Delete(dir, true); }
    }
}
