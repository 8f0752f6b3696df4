using Workbench.Cost;
using Workbench.Data;
using Workbench.EarlyExit;
using Workbench.Models.Vision;
using Workbench.Papers.LGViT;
using static TorchSharp.torch;

namespace Workbench.Tests.Papers;

public class LgvitTests
{
    // 28x28 images in 4x4 patches: a 7x7 grid, so pooling by 2 and by 3 give different token counts (16 and 9).
    static readonly VitConfig Tiny = new(PatchSize: 4, Dim: 16, Layers: 4, Heads: 2);

    static MultiExitVisionTransformer TinyModel(HeadFamily family, VitConfig? vit = null, int[]? layers = null)
    {
        Workbench.Torch.TorchRuntime.Seed(5);
        layers ??= new[] { 1, 2, 3 };
        var layout = family == HeadFamily.Lgvit ? MultiExitVisionTransformer.LgvitLayout(layers) : MultiExitVisionTransformer.LinearLayout(layers);
        return new MultiExitVisionTransformer(vit ?? Tiny, layout);
    }

    [Fact]
    public void HeadsGiveLogitsAndTheFeaturesTheyPooled()
    {
        Workbench.Torch.TorchRuntime.Seed(1);
        using var _ = no_grad();
        var hidden = randn(3, Tiny.Tokens, Tiny.Dim);
        var expected = new (ExitHeadKind Kind, int Reduction, long Tokens)[]
        {
            (ExitHeadKind.Linear, 1, 1), (ExitHeadKind.LocalPerception, 1, 49), (ExitHeadKind.GlobalAggregation, 2, 16), (ExitHeadKind.GlobalAggregation, 3, 9),
        };
        foreach (var (kind, r, tokens) in expected)
        {
            var head = ExitHead.Create(kind, Tiny, r);
            head.eval();
            var o = head.Run(hidden);
            Assert.Equal(new long[] { 3, 10 }, o.Logits.shape);
            Assert.Equal(new long[] { 3, tokens, Tiny.Dim }, o.Features.shape);
        }
        // The pooled grid averages r x r windows; the ragged edge averages what is there.
        var patches = arange(49f).view(1, 49, 1);
        var pooled = ExitHead.Downsample(patches, 7, 3).view(9);
        Assert.Equal((0 + 1 + 2 + 7 + 8 + 9 + 14 + 15 + 16) / 9f, pooled[0].item<float>(), 4);
        Assert.Equal(48f, pooled[8].item<float>(), 4);
        Assert.Equal((6 + 13 + 20) / 3f, pooled[2].item<float>(), 4);
    }

    [Fact]
    public void LgvitLayoutPutsLocalHeadsOnTheShallowHalfAndGlobalOnTheDeepHalf()
    {
        var layout = MultiExitVisionTransformer.LgvitLayout(new[] { 2, 3, 4, 5, 6, 7 });
        Assert.Equal(new[] { ExitHeadKind.LocalPerception, ExitHeadKind.LocalPerception, ExitHeadKind.LocalPerception,
            ExitHeadKind.GlobalAggregation, ExitHeadKind.GlobalAggregation, ExitHeadKind.GlobalAggregation }, layout.Select(e => e.Kind));
        Assert.Equal(new[] { 2, 2, 3 }, layout.Skip(3).Select(e => e.Reduction));
        Assert.Throws<ArgumentException>(() => new MultiExitVisionTransformer(Tiny, MultiExitVisionTransformer.LinearLayout(new[] { 2, 4 })));
    }

    [Fact]
    public void CostToExitAddsTheBackboneSoFarAndEveryHeadOnTheWay()
    {
        using var model = TinyModel(HeadFamily.Lgvit);
        var vit = model.Backbone;
        // Independent counts: embedding 49 patches x 16 pixels -> 16; a block over 50 tokens; the local head's two
        // 1x1 convolutions and its depthwise 3x3 on the 7x7 grid; the global head over 16 pooled tokens.
        double embed = 2.0 * 49 * 16 * 16;
        double block = 2.0 * 50 * 16 * 64 + 4.0 * 50 * 50 * 16 + 2.0 * 50 * 16 * 2 * 32;
        double classifier = 2.0 * 16 * 10;
        double local = 2 * (2.0 * 49 * 16 * 16) + 2.0 * 49 * 16 * 9 + classifier;
        double global = 2.0 * 16 * 16 * 64 + 4.0 * 16 * 16 * 16 + classifier;
        Assert.Equal(embed, vit.EmbedFlops);
        Assert.Equal(block, vit.BlockFlops);
        Assert.Equal(embed + 4 * block + classifier, model.FullModelFlops);
        Assert.Equal(new[] { local, local, global }, model.Heads.Select(h => h.Flops));
        var cost = model.CostToExit();
        Assert.Equal(new[]
        {
            embed + block + local, embed + 2 * block + 2 * local, embed + 3 * block + 2 * local + global,
            embed + 4 * block + classifier + 2 * local + global,
        }, cost);
        Assert.True(cost.Zip(cost.Skip(1)).All(p => p.Second > p.First));
        using var linear = TinyModel(HeadFamily.Linear);
        Assert.Equal(linear.FullModelFlops + 3 * classifier, linear.CostToExit()[^1]);
    }

    [Fact]
    public void PolicyStopsAtTheFirstConfidentExitAndCountsItsCost()
    {
        var probs = new[]
        {
            new[] { new[] { 0.5, 0.5 }, new[] { 0.6, 0.4 }, new[] { 0.9, 0.1 } },   // exit 0
            new[] { new[] { 0.1, 0.9 }, new[] { 0.3, 0.7 }, new[] { 0.2, 0.8 } },   // exit 1
            new[] { new[] { 0.1, 0.9 }, new[] { 0.45, 0.55 }, new[] { 0.05, 0.95 } }, // the final exit
        };
        var outputs = new MultiExitOutputs("toy", new[] { "a", "b", "final" }, probs, new[] { 1.0, 2.0, 4.0 }, FullCost: 3.0);
        var o = outputs.Run(new ConfidencePolicy(0.85), new[] { 1, 0, 0 });
        Assert.Equal(new[] { 1, 2, 0 }, o.ExitOf);          // sample 0 first clears 0.85 at exit 1; sample 1 never does; sample 2 at exit 0
        Assert.Equal(new[] { 1, 1, 0 }, o.Predictions);
        Assert.Equal(2 / 3.0, o.Accuracy, 10);
        Assert.Equal((2 + 4 + 1) / 3.0, o.AverageCost, 10);
        Assert.Equal(3.0 / ((2 + 4 + 1) / 3.0), o.Speedup, 10);
        Assert.Equal(new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 }, o.ExitShares(3));
        Assert.Equal(2, outputs.Run(new ConfidencePolicy(0.99), new[] { 1, 0, 0 }).ExitOf.Max());
    }

    [Fact]
    public void BatchedEarlyExitInferenceMakesTheSameDecisionsAsTheOfflineSweep()
    {
        using var model = TinyModel(HeadFamily.Lgvit);
        Workbench.Torch.TorchRuntime.Seed(9);
        var images = randn(40, 1, 28, 28);
        var outputs = new MultiExitOutputs("m", new[] { "1", "2", "3", "4" }, model.Probabilities(images, batch: 16), model.CostToExit(), model.FullModelFlops);
        // A threshold at the median first-exit confidence splits the images, so both the exit and stay paths run.
        double median = Selective.Quantile(outputs.Probs[0].Select(p => p.Max()).ToArray(), 0.5);
        foreach (var policy in new IExitPolicy[] { new ConfidencePolicy(median), new ConfidencePolicy(2) })
        {
            var labels = new int[40];
            var offline = outputs.Run(policy, labels);
            var online = model.Infer(images, policy, batch: 16);
            Assert.Equal(offline.ExitOf, online.ExitOf);
            Assert.Equal(offline.Predictions, online.Predictions);
        }
        Assert.Contains(0, outputs.Run(new ConfidencePolicy(median), new int[40]).ExitOf);
    }

    [Fact]
    public void CurvesAreComparedAtMatchedSpeedups()
    {
        var a = new[] { new SpeedupPoint(0.9, 1.0, 0.90), new SpeedupPoint(0.5, 3.0, 0.70) };
        var b = new[] { new SpeedupPoint(0.9, 1.5, 0.82), new SpeedupPoint(0.5, 2.5, 0.70) };
        Assert.Equal(0.85, EarlyExitCurves.AccuracyAt(a, 1.5), 10);
        Assert.True(double.IsNaN(EarlyExitCurves.AccuracyAt(a, 3.5)));
        var cmp = EarlyExitCurves.Compare(a, b, points: 11);
        Assert.Equal((1.5, 2.5), (cmp.Low, cmp.High));
        Assert.Equal(0.03, cmp.MinGap, 10);                  // at 1.5x: a = 0.85, b = 0.82; at 2.5x: 0.75 vs 0.70
        Assert.Equal(1.5, cmp.AtSpeedup, 10);
        Assert.Equal(0.04, cmp.MeanGap, 10);
        Assert.True(cmp.Dominates);
        Assert.False(EarlyExitCurves.Compare(b, a).Dominates);
        Assert.Equal(3.0, EarlyExitCurves.FastestWithin(a, 0.9, 0.2)!.Value.Speedup);
        Assert.Null(EarlyExitCurves.FastestWithin(a, 0.95, 0.01));
    }

    [Fact]
    public void StageTwoLeavesTheBackboneUnchangedAndTrainsTheHeads()
    {
        using var model = TinyModel(HeadFamily.Lgvit);
        Workbench.Torch.TorchRuntime.Seed(3);
        var x = randn(64, 1, 28, 28);
        var y = randint(0, 10, 64);
        var config = LgvitConfig.For(quick: true) with { Vit = Tiny, ExitLayers = new[] { 1, 2, 3 }, Batch = 16, Stage2Epochs = 2 };
        var backbone = model.Backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var heads = model.HeadParameters.Select(p => p.detach().clone()).ToList();
        var result = LgvitTraining.Stage2(model, x, y, config);
        Assert.Equal(8, result.Log.Count);
        foreach (var (key, before) in backbone) Assert.True(before.equal(model.Backbone.state_dict()[key]).all().item<bool>(), $"{key} changed");
        Assert.Contains(model.HeadParameters.Zip(heads), p => !p.First.detach().allclose(p.Second));
        Assert.All(model.Backbone.parameters(), p => Assert.True(p.requires_grad));   // unfrozen again afterwards
    }

    [Fact]
    public void StageTwoAddsFeatureDistillationOnlyForLgvitHeads()
    {
        Workbench.Torch.TorchRuntime.Seed(4);
        var x = randn(8, 1, 28, 28);
        var y = randint(0, 10, 8);
        var config = LgvitConfig.For(quick: true);
        var noFeatures = config with { HeteroWeight = 0, HomoWeight = 0 };
        using var _ = no_grad();
        foreach (var family in new[] { HeadFamily.Linear, HeadFamily.Lgvit })
        {
            using var model = TinyModel(family);
            model.eval();
            var pass = model.ForwardAll(x);
            double with = LgvitTraining.Stage2Loss(model, pass, y, config).item<float>();
            double without = LgvitTraining.Stage2Loss(model, pass, y, noFeatures).item<float>();
            // Without feature terms, (1 - a) Σ CE + a Σ T² KL: check against an independent computation.
            double expected = 0;
            foreach (var e in pass.Exits)
            {
                var logQ = nn.functional.log_softmax(e.Logits / 2, -1);
                var logP = nn.functional.log_softmax(pass.FinalLogits / 2, -1);
                double kl = (logP.exp() * (logP - logQ)).sum(-1).mean().item<float>() * 4;
                expected += 0.7 * nn.functional.cross_entropy(e.Logits, y).item<float>() + 0.3 * kl;
            }
            Assert.Equal(expected, without, 4);
            if (family == HeadFamily.Linear) Assert.Equal(without, with, 5);
            else Assert.True(with > without + 1e-4, $"feature terms add nothing: {with} vs {without}");
        }
    }

    [Fact]
    public void AQuickStageOneOnFashionMnistBeatsChance()
    {
        Assert.True(FashionMnist.Available, "Fashion-MNIST is not installed: apt-get install dataset-fashion-mnist (.ci/run does this)");
        var train = FashionMnist.Train();
        var vit = new VitConfig(PatchSize: 7, Dim: 32, Layers: 2, Heads: 2);
        var config = LgvitConfig.For(quick: true) with { Vit = vit, ExitLayers = new[] { 1 }, Stage1Epochs = 2, Batch = 64, Stage1LearningRate = 3e-3 };
        using var x = LgvitResult.Images(train, 0, 3000);
        using var y = tensor(Enumerable.Range(0, 3000).Select(i => (long)train.Labels[i]).ToArray());
        using var xTest = LgvitResult.Images(train, 50_000, 500);
        var labels = Enumerable.Range(50_000, 500).Select(i => (int)train.Labels[i]).ToArray();
        using var model = TinyModel(HeadFamily.Lgvit, vit, new[] { 1 });
        var log = LgvitTraining.Stage1(model, x, y, config);
        Assert.True(log.FinalLoss < log.Log[0].Loss, $"loss {log.Log[0].Loss} -> {log.FinalLoss}");
        var outputs = new MultiExitOutputs("quick", new[] { "1", "2" }, model.Probabilities(xTest), model.CostToExit(), model.FullModelFlops);
        // Chance is 10%.
        Assert.True(outputs.ExitAccuracy(0, labels) > 0.5, $"exit accuracy {outputs.ExitAccuracy(0, labels)}");
        Assert.True(outputs.ExitAccuracy(1, labels) > 0.5, $"final accuracy {outputs.ExitAccuracy(1, labels)}");
    }
}
