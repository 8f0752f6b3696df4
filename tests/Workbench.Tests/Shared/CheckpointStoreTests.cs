using TorchSharp;
using Workbench.Tests.Support;
using Workbench.Torch;
using Workbench.Training;

namespace Workbench.Tests.Shared;

public class CheckpointStoreTests
{
    sealed record TinyConfig(int In, int Out);

    [Fact]
    public void SavesAndLoadsWeightsConfigAndCard()
    {
        var data = Paths.TempDir("data");
        Environment.SetEnvironmentVariable(CheckpointStore.DataVariable, data);
        try
        {
            var model = torch.nn.Linear(3, 2);
            var card = new CheckpointCard("tiny", "a test model", "none", 7, 0, 0.1, 1.5,
                new Dictionary<string, double> { ["accuracy"] = 0.5 }, "workbench train tiny", 8);
            CheckpointStore.Save("tiny", model, new TinyConfig(3, 2), card);
            Assert.True(CheckpointStore.Exists("tiny"));
            Assert.Equal(new TinyConfig(3, 2), CheckpointStore.LoadConfig<TinyConfig>("tiny"));
            var back = CheckpointStore.LoadCard("tiny");
            Assert.Equal(0.5, back.Metrics["accuracy"]);
            Assert.Equal("workbench train tiny", back.Command);

            var copy = torch.nn.Linear(3, 2);
            CheckpointStore.LoadWeights("tiny", copy);
            Assert.True(copy.weight!.allclose(model.weight!));

            var wrong = torch.nn.Linear(4, 2);
            var e = Assert.Throws<CheckpointException>(() => CheckpointStore.LoadWeights("tiny", wrong));
            Assert.Contains("'weight' has shape [2,3], expected [2,4]", e.Message);
            Assert.Contains("file not found", Assert.Throws<CheckpointException>(() => CheckpointStore.LoadConfig<TinyConfig>("absent")).Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(CheckpointStore.DataVariable, null);
            Directory.Delete(data, true);
        }
    }
}
