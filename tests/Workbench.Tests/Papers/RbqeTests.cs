using Workbench.Stats;
using Workbench.Data.Image;
using Workbench.Data.Procedural;
using Workbench.EarlyExit;
using Workbench.Models;
using Workbench.Models.Vision;
using Workbench.Papers.Rbqe;
using static TorchSharp.torch;

namespace Workbench.Tests.Papers;

public class RbqeTests
{
    static readonly IReadOnlyList<GrayImage> Textures = ProceduralTextures.Generate(12, seed: 5);
    static readonly int[] Qualities = { 10, 20, 30, 40, 50 };

    [Fact]
    public void DctRoundTripIsExactWithoutQuantisation()
    {
        var rng = new Random(3);
        var block = Enumerable.Range(0, 64).Select(_ => rng.NextDouble() * 255 - 128).ToArray();
        var coef = Dct8x8.Forward(block);
        Assert.Equal(block.Average() * 8, coef[0], 9); // orthonormal: DC is 8x the mean
        var back = Dct8x8.Inverse(coef);
        for (int i = 0; i < 64; i++) Assert.Equal(block[i], back[i], 9);
        foreach (var image in Textures.Take(3))
            Assert.Equal(image.Pixels, JpegLikeCodec.RoundTrip(image, table: null).Pixels); // 8-bit in, the same 8 bits out
    }

    [Fact]
    public void QuantisationTablesScaleLikeLibjpeg()
    {
        Assert.Equal(JpegLikeCodec.LuminanceTable, JpegLikeCodec.QuantizationTable(50));
        Assert.All(JpegLikeCodec.QuantizationTable(100), q => Assert.Equal(1, q));
        var t10 = JpegLikeCodec.QuantizationTable(10); // scale 500%: 16 -> 80, 121 -> 605 clipped to 255
        Assert.Equal(80, t10[0]);
        Assert.Equal(255, t10[6 * 8 + 5]);
        Assert.Equal((16 * 40 + 50) / 100, JpegLikeCodec.QuantizationTable(80)[0]); // scale 200 - 160 = 40%
    }

    [Fact]
    public void PsnrFallsAsQualityFactorFalls()
    {
        var psnr = Qualities.Select(q => Textures.Average(im => ImageMetrics.Psnr(im, JpegLikeCodec.Compress(im, q)))).ToArray();
        for (int i = 0; i + 1 < psnr.Length; i++) Assert.True(psnr[i] < psnr[i + 1], $"PSNR by QF: {string.Join(", ", psnr.Select(p => p.ToString("0.00")))}");
        Assert.InRange(psnr[0], 20, 36);
        Assert.Equal(100, ImageMetrics.Psnr(Textures[0], Textures[0]));
    }

    [Fact]
    public void BlockArtefactsAreMeasurableAtBlockBoundaries()
    {
        double original = Textures.Average(im => ImageMetrics.BlockBoundaryRatio(im));
        var ratio = Qualities.Select(q => Textures.Average(im => ImageMetrics.BlockBoundaryRatio(JpegLikeCodec.Compress(im, q)))).ToArray();
        Assert.InRange(original, 0.9, 1.1); // no grid in the originals
        Assert.True(ratio[0] > 1.8, $"QF 10 boundary/inside step ratio {ratio[0]:0.00}");
        for (int i = 0; i + 1 < ratio.Length; i++) Assert.True(ratio[i] > ratio[i + 1]);
        // The same images shifted by half a block put the boundaries inside blocks: the ratio there is ~1.
        var shifted = ImageMetrics.BlockBoundaryRatio(Shift(JpegLikeCodec.Compress(Textures[1], 10), 4));
        Assert.InRange(shifted, 0.6, 1.2);
    }

    static GrayImage Shift(GrayImage im, int by)
    {
        int w = im.Width - by, h = im.Height - by;
        var px = new double[w * h];
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) px[r * w + c] = im[r + by, c + by];
        return new GrayImage(w, h, px);
    }

    [Fact]
    public void BlockingScoreRanksImagesLikePsnr()
    {
        var scores = Qualities.Select(q => Textures.Average(im => BlockingQuality.Score(JpegLikeCodec.Compress(im, q)))).ToArray();
        double original = Textures.Average(BlockingQuality.Score);
        for (int i = 0; i + 1 < scores.Length; i++) Assert.True(scores[i] < scores[i + 1]);
        Assert.True(original > scores[^1] + 3, $"original {original:0.0} dB vs QF 50 {scores[^1]:0.0} dB");
        // Per image, across quality factors (and the original), the score orders versions as PSNR does.
        var perImage = Textures.Select(im =>
        {
            var versions = Qualities.Select(q => JpegLikeCodec.Compress(im, q)).ToList();
            return RankCorrelation.Spearman(versions.Select(BlockingQuality.Score).ToList(), versions.Select(v => ImageMetrics.Psnr(im, v)).ToList());
        }).ToList();
        Assert.True(perImage.Average() > 0.8, $"mean per-image Spearman {perImage.Average():0.000}");
    }

    [Fact]
    public void TchebichefBasisIsOrthonormalAndFlatPatchesHaveNoMoments()
    {
        var p = TchebichefQuality.Basis;
        for (int a = 0; a < 8; a++)
            for (int b = 0; b < 8; b++)
            {
                double dot = 0;
                for (int x = 0; x < 8; x++) dot += p[a, x] * p[b, x];
                Assert.Equal(a == b ? 1 : 0, dot, 9);
            }
        Assert.All(TchebichefQuality.Moments(Enumerable.Repeat(0.4, 64).ToArray()), m => Assert.Equal(0, m, 12));
        Assert.InRange(TchebichefQuality.Score(Textures[0]), 0, 1);
    }

    [Fact]
    public void SpearmanIsOneForMonotoneSeriesAndHandlesTies()
    {
        var a = new double[] { 1, 2, 3, 4, 5 };
        Assert.Equal(1, RankCorrelation.Spearman(a, a.Select(v => Math.Exp(v)).ToList()), 12);
        Assert.Equal(-1, RankCorrelation.Spearman(a, a.Select(v => -v).ToList()), 12);
        Assert.Equal(new[] { 0.5, 0.5, 2, 3.5, 3.5 }, RankCorrelation.Ranks(new double[] { 1, 1, 2, 7, 7 }));
    }

    [Fact]
    public void UNetPlusPlusOutputsKeepTheImageShapeAndCostGrowsPerOutput()
    {
        TorchSharp.torch.random.manual_seed(1);
        using var net = new UNetPlusPlus(outputs: 3, channels: 4);
        using var x = rand(2, 1, 32, 32);
        using var taps = new TapSet("nodes.*.*", "outputs.*");
        using var _ = no_grad();
        var pass = net.Start(x, taps);
        var first = pass.Next();
        Assert.Equal(new long[] { 2, 1, 32, 32 }, first.shape);
        Assert.True(taps.Contains("nodes.1.0") && taps.Contains("nodes.0.1"));
        Assert.False(taps.Contains("nodes.0.2") || taps.Contains("nodes.2.0")); // output 1 does not compute stage 2
        var all = net.Forward(x, 3);
        Assert.Equal(3, all.Length);
        Assert.All(all, o => Assert.Equal(x.shape, o.shape));
        Assert.True(first.allclose(all[0])); // the same output whether the pass stops there or continues
        var flops = Enumerable.Range(1, 3).Select(k => net.FlopsToOutput(k, 32, 32)).ToArray();
        Assert.True(flops[0] < flops[1] && flops[1] < flops[2]);
        // Output 1 by hand: stem (1->4, 4->4 at 32x32), down (two 4->4 at 16x16), up (2x2, 4->4 at 16x16 inputs),
        // node x_{0,1} (8->4 at 32x32), head (4->1 at 32x32).
        double expected = 2.0 * 1024 * 4 * 9 + 2.0 * 1024 * 16 * 9 + 2 * (2.0 * 256 * 16 * 9) + 2.0 * 256 * 16 * 4 + 2.0 * 1024 * 32 * 9 + 2.0 * 1024 * 4 * 9;
        Assert.Equal(expected, flops[0]);
        Assert.Throws<ArgumentException>(() => net.Start(rand(1, 1, 30, 30)));
    }

    [Fact]
    public void QualityExitStopsAtTheFirstOutputAboveThreshold()
    {
        var sample = new EnhancedSample(0, "t", 10, InputPsnr: 28, InputScore: 20, Psnr: new[] { 28.5, 29.0, 29.2, 29.1 }, Score: new[] { 26.0, 31.0, 29.0, 40.0 });
        Assert.Equal(1, sample.ExitAt(30)); // output 2 is the first at or above 30, although output 4 scores higher
        Assert.Equal(0, sample.ExitAt(26));
        Assert.Equal(3, sample.ExitAt(35));
        Assert.Equal(3, sample.ExitAt(99)); // nothing reaches T: the last output answers
        Assert.Equal(1.0, sample.Gain(1), 12);
        Assert.Equal(1, ExitDecision.FirstExit(new QualityPolicy(30), sample.Signals));
        Assert.Throws<InvalidOperationException>(() => new QualityPolicy(1).ShouldExit(new[] { new ExitSignal(0) }));
    }

    [Fact]
    public void ThresholdSweepRunsFromTheFirstOutputToTheLast()
    {
        var samples = new[]
        {
            new EnhancedSample(0, "t", 50, 36, 30, new[] { 36.5, 36.6 }, new[] { 40.0, 42.0 }),
            new EnhancedSample(1, "t", 10, 28, 20, new[] { 28.2, 29.0 }, new[] { 25.0, 33.0 }),
        };
        var costs = new ExitCosts(new[] { 10.0, 20.0 }, new[] { 11.0, 22.0 });
        var curve = costs.Sweep(samples);
        Assert.Equal(0, curve[0].MeanExit);
        Assert.Equal(11, curve[0].MeanFlops);
        Assert.Equal(1, curve[^1].MeanExit);
        Assert.Equal(22, curve[^1].MeanFlops);
        var mid = costs.At(30, samples); // the QF 50 image leaves at output 1, the QF 10 one goes on
        Assert.Equal(16.5, mid.MeanFlops);
        Assert.Equal((0.5 + 1.0) / 2, mid.MeanGain, 12);
        Assert.Equal(mid.MeanGain, ExitCosts.GainAt(curve, 16.5), 12);
        Assert.True(double.IsNaN(ExitCosts.GainAt(curve, 5)));
    }
}
