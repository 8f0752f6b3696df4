using TorchSharp;
using static TorchSharp.torch;

namespace Workbench.Training;

/// <summary>Minibatch cross-entropy training of any classifier on in-memory tensors, through the shared
/// <see cref="TrainLoop"/>; batches follow a seeded shuffle per epoch, so a seed gives the same model every time.</summary>
public static class ClassifierTraining
{
    /// <summary>Trains <paramref name="model"/> on inputs <paramref name="x"/> [n, …] and labels <paramref name="y"/> [n].</summary>
    public static TrainResult Train(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, int epochs, long seed,
        int batch = 128, double learningRate = 2e-3, string label = "training classifier")
    {
        long n = x.shape[0];
        if (n != y.shape[0]) throw new ArgumentException($"{n} inputs but {y.shape[0]} labels");
        if (n == 0 || epochs < 1) throw new ArgumentException("nothing to train on");
        int perEpoch = (int)Math.Ceiling(n / (double)batch);
        var rng = new Random((int)seed);
        var order = new long[n];
        model.train();
        Workbench.Torch.TorchRuntime.Seed(seed);
        var result = TrainLoop.Run(model.parameters(), step =>
        {
            int inEpoch = step % perEpoch;
            if (inEpoch == 0)
            {
                for (long i = 0; i < n; i++) order[i] = i;
                rng.Shuffle(order);
            }
            long start = (long)inEpoch * batch, len = Math.Min(batch, n - start);
            var idx = tensor(order.AsSpan((int)start, (int)len).ToArray());
            return nn.functional.cross_entropy(model.forward(x.index_select(0, idx)), y.index_select(0, idx));
        }, new TrainOptions(epochs * perEpoch, learningRate, WarmupSteps: Math.Min(100, perEpoch), Label: label));
        model.eval();
        return result;
    }
}
