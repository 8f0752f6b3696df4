using TorchSharp;
using Workbench.Progress;
using Workbench.Tests.Support;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Tests.Shared;

public class TrainingTests
{
    [Fact]
    public void ScheduleWarmsUpThenDecaysToTheFloor()
    {
        var o = new TrainOptions(Steps: 100, LearningRate: 1e-2, WarmupSteps: 10, MinLearningRateFraction: 0.1);
        Assert.Equal(1e-3, TrainLoop.LearningRateAt(o, 0), 9);
        Assert.Equal(1e-2, TrainLoop.LearningRateAt(o, 10), 9);
        Assert.True(TrainLoop.LearningRateAt(o, 50) < 1e-2);
        Assert.Equal(1e-3, TrainLoop.LearningRateAt(o, 100), 9);
    }

    [Fact]
    public void FitsALinearMapAndCachesTheResult()
    {
        TorchRuntime.Seed(1);
        var trueW = tensor(new float[] { 2f, -3f }).reshape(1, 2);
        var x = randn(256, 2);
        var y = x.matmul(trueW.t());
        var model = nn.Linear(2, 1);
        TrainResult? result = null;
        var cacheDir = Paths.TempDir("cache");
        Environment.SetEnvironmentVariable("WORKBENCH_CACHE", cacheDir);
        try
        {
            using (ProgressTask.Redirect(null))
            {
                var config = new { task = "linear", steps = 300 };
                bool cached = ModelCache.LoadOrTrain(model, "linear", config, () =>
                    result = TrainLoop.Run(model.parameters(), _ => nn.functional.mse_loss(model.forward(x), y),
                        new TrainOptions(Steps: 300, LearningRate: 0.05)));
                Assert.False(cached);
                Assert.True(result!.Log[0].Loss > 1.0);
                Assert.True(result.FinalLoss < 1e-3, $"final loss {result.FinalLoss}");

                var again = nn.Linear(2, 1);
                Assert.True(ModelCache.LoadOrTrain(again, "linear", config, () => throw new InvalidOperationException("should be cached")));
                Assert.Equal(2f, again.weight![0, 0].item<float>(), 2);
                Assert.Equal(-3f, again.weight![0, 1].item<float>(), 2);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("WORKBENCH_CACHE", null);
            Directory.Delete(cacheDir, true);
        }
    }
}
