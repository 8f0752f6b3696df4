using Workbench.Models;
using Workbench.Models.Vision;
using static TorchSharp.torch;

namespace Workbench.Tests.Shared;

public class VisionBlocksTests
{
    [Fact]
    public void PatchTokensAreRowMajorOverTheGrid()
    {
        manual_seed(1);
        var embed = new PatchEmbedding(imageSize: 8, patchSize: 4, channels: 1, dim: 6);
        using var _ = no_grad();
        var images = zeros(1, 1, 8, 8);
        var baseline = embed.forward(images);
        images[0, 0, 0, 5] = tensor(1f); // pixel (0, 5) lies in patch (0, 1) = token 1
        var changed = (embed.forward(images) - baseline).abs().sum(-1)[0];
        Assert.Equal(new long[] { 1, 4, 6 }, baseline.shape);
        Assert.True(changed[1].item<float>() > 0);
        Assert.Equal(0f, changed[0].item<float>() + changed[2].item<float>() + changed[3].item<float>());
        Assert.Throws<ArgumentException>(() => embed.forward(zeros(1, 3, 8, 8)));
    }

    [Fact]
    public void TappedPathEqualsFastPathAndMaskedKeysAreInvisible()
    {
        manual_seed(2);
        var block = new EncoderBlock(dim: 16, heads: 4);
        block.eval();
        using var _ = no_grad();
        var x = randn(2, 5, 16);
        var fast = block.Forward(x);
        using var taps = new TapSet("blocks.3.attn.scores", "blocks.3.resid_post");
        var tapped = block.Forward(x, index: 3, taps: taps);
        Assert.True(allclose(fast, tapped, rtol: 1e-5, atol: 1e-5));
        Assert.Equal(new long[] { 2, 4, 5, 5 }, taps["blocks.3.attn.scores"].shape);
        Assert.True(allclose(taps["blocks.3.attn.scores"].sum(-1), ones(2, 4, 5), atol: 1e-5));

        // Hide token 4 from every query: changing it must not change tokens 0..3.
        var mask = zeros(1, 1, 1, 5);
        mask[0, 0, 0, 4] = tensor(float.NegativeInfinity);
        var y = x.clone();
        y[.., 4] = randn(2, 16);
        var a = block.Forward(x, mask).narrow(1, 0, 4);
        var b = block.Forward(y, mask).narrow(1, 0, 4);
        Assert.True(allclose(a, b, atol: 1e-5));
        Assert.False(allclose(block.Forward(x).narrow(1, 0, 4), block.Forward(y).narrow(1, 0, 4), atol: 1e-5));
    }
}
