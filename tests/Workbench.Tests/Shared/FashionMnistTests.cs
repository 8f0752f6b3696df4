using Workbench.Data;

namespace Workbench.Tests.Shared;

public class FashionMnistTests
{
    [Fact]
    public void ReadsTheInstalledTestSplit()
    {
        Assert.True(FashionMnist.Available, "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist (.ci/run does this)");
        var test = FashionMnist.Test();
        Assert.Equal((10_000, 28, 28), (test.Count, test.Rows, test.Cols));
        Assert.Equal(10, test.Labels.Distinct().Count());
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels.Count(l => l == c))); // balanced classes
        Assert.Equal(9, test.Labels[0]); // the first test image is an ankle boot
    }

    [Fact]
    public void RejectsAFileOfTheWrongKind()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wb-idx-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, new byte[] { 0, 0, 8, 1, 0, 0, 0, 1, 5 });
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => FashionMnist.ReadIdx(path, 0x803, out _));
            Assert.Contains("magic 0x801, expected 0x803", e.Message);
        }
        finally { File.Delete(path); }
    }
}
