using TorchSharp;
using TorchSharp.Modules;
using Workbench.Decoding.Speculative;
using Workbench.Torch;
using Workbench.Training;
using static TorchSharp.torch;

namespace Workbench.Papers.JudgeDecoding;

/// <summary>How well a judge separates valid from invalid tokens at a threshold.</summary>
/// <param name="Precision">Of tokens scored above τ, the valid ones.</param>
/// <param name="Recall">Of valid tokens, those scored above τ.</param>
/// <param name="InvalidAccepted">Of invalid tokens, those scored above τ (what the judge lets through).</param>
public sealed record JudgeQuality(double Tau, double Precision, double Recall, double InvalidAccepted);

/// <summary>The judge head of Judge Decoding: j = sigmoid(w · e + b) on the target's last-layer state e, trained with
/// class-weighted binary cross-entropy (valid tokens far outnumber first errors).</summary>
public sealed class LinearJudge : IJudge
{
    readonly Linear _head;

    /// <summary>A judge over states of width <paramref name="dim"/>, initialised from <paramref name="seed"/>.</summary>
    public LinearJudge(int dim, long seed)
    {
        TorchRuntime.Seed(seed);
        _head = nn.Linear(dim, 1);
    }

    /// <inheritdoc/>
    public string Name => "judge";

    /// <summary>Trainable parameters (d + 1).</summary>
    public long Parameters => _head.parameters().Sum(p => p.numel());

    /// <summary>Training loss at the end (weighted BCE).</summary>
    public double FinalLoss { get; private set; }

    /// <summary>Trains on <paramref name="data"/> full-batch; the positive class is weighted by negatives/positives so
    /// that both classes count equally.</summary>
    public LinearJudge Train(JudgeDataset data, int steps = 400, double learningRate = 1e-2)
    {
        if (data.Positives == 0 || data.Negatives == 0)
            throw new InvalidOperationException($"the judge needs both classes (got {data.Positives} valid, {data.Negatives} invalid tokens)");
        var weight = tensor((float)data.Negatives / data.Positives);
        var result = TrainLoop.Run(_head.parameters(), _ =>
            nn.functional.binary_cross_entropy_with_logits(_head.forward(data.States).squeeze(-1), data.Labels, pos_weights: weight),
            new TrainOptions(steps, learningRate, WeightDecay: 1e-3, Label: "judge head"));
        weight.Dispose();
        FinalLoss = result.FinalLoss;
        return this;
    }

    /// <inheritdoc/>
    double[] IJudge.Score(Tensor? statesAtDraftTokens, int count) =>
        Score(statesAtDraftTokens ?? throw new ArgumentNullException(nameof(statesAtDraftTokens), "the judge reads the target's states"));

    /// <summary>Scores in [0, 1] for target states [n, d].</summary>
    public double[] Score(Tensor hiddenAtDraftTokens)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return _head.forward(hiddenAtDraftTokens).squeeze(-1).sigmoid().to(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>Precision and recall of "score above τ" as a test for validity on <paramref name="data"/>.</summary>
    public JudgeQuality Quality(JudgeDataset data, double tau)
    {
        var scores = Score(data.States);
        var labels = data.Labels.data<float>().ToArray();
        int tp = 0, fp = 0, fn = 0, negatives = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool above = scores[i] > tau, valid = labels[i] > 0.5f;
            if (above && valid) tp++; else if (above) fp++; else if (valid) fn++;
            if (!valid) negatives++;
        }
        return new JudgeQuality(tau, tp + fp == 0 ? 1 : (double)tp / (tp + fp), tp + fn == 0 ? 0 : (double)tp / (tp + fn),
            negatives == 0 ? 0 : (double)fp / negatives);
    }
}

/// <summary>The control of Judge Decoding's main figure: standard greedy verification OR a coin that accepts with a
/// fixed rate, tuned to the rate at which the judge overrules rejections. It keeps as many extra tokens as the judge
/// while knowing nothing about them.</summary>
public sealed class RandomAcceptor : IVerifier, IJudge
{
    readonly Generator _coin;
    readonly JudgeVerifier _rule;

    /// <summary>Accepts a token the standard rule rejected with probability <paramref name="rate"/>.</summary>
    public RandomAcceptor(double rate, long seed)
    {
        Rate = rate;
        _coin = new Generator((ulong)seed);
        _rule = new JudgeVerifier(new GreedyVerifier(), this, 0.5);
    }

    /// <summary>Probability of accepting a token the standard rule rejected.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public string Name => $"greedy match OR random ({Rate:0.##})";

    string IJudge.Name => "random";

    /// <inheritdoc/>
    public bool Lossless => false;

    /// <inheritdoc/>
    public bool ReadsStates => false;

    /// <summary>Scores are coin flips: 1 with probability <see cref="Rate"/>, else 0; the states are not read.</summary>
    public double[] Score(Tensor? statesAtDraftTokens, int count) =>
        Enumerable.Range(0, count).Select(_ => VerifierMath.Uniform(_coin) < Rate ? 1.0 : 0.0).ToArray();

    /// <inheritdoc/>
    public Verification Verify(VerifyInput input) => _rule.Verify(input);
}
