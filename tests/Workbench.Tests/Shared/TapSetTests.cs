using Workbench.Models;
using static TorchSharp.torch;

namespace Workbench.Tests.Shared;

public class TapSetTests
{
    [Fact]
    public void RecordsOnlyMatchingNamesAsCopiesThatOutliveTheScope()
    {
        using var taps = new TapSet("blocks.*.resid_post", "embed");
        Assert.True(taps.Wants("blocks.3.resid_post"));
        Assert.False(taps.Wants("blocks.3.attn.scores"));
        Assert.False(taps.Wants("blocks.3.x.resid_post")); // '*' is one segment
        using (NewDisposeScope())
        {
            var x = ones(2, 2);
            taps.Record("blocks.3.resid_post", x);
            taps.Record("blocks.3.attn.scores", x);
            x.add_(1); // later in-place changes do not reach the recorded copy
        }
        Assert.Equal(new[] { "blocks.3.resid_post" }, taps.Names);
        Assert.Equal(4f, taps["blocks.3.resid_post"].sum().item<float>());
        var e = Assert.Throws<KeyNotFoundException>(() => taps["embed"]);
        Assert.Contains("blocks.3.resid_post", e.Message);
    }
}
