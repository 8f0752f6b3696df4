namespace Workbench.TokenDrop;

/// <summary>One drop: before layer <paramref name="Layer"/> runs, keep <paramref name="Keep"/> of the original
/// droppable tokens (a share of those the sequence started with, not of those left).</summary>
public sealed record DropStage(int Layer, double Keep);

/// <summary>When and how many droppable tokens (image patches, haystack text) a forward pass drops, and how it ranks
/// them. Non-droppable tokens (the instruction, the query) are never dropped.</summary>
public sealed record DropSchedule(string Name, IReadOnlyList<DropStage> Stages, TokenScoring Scoring = TokenScoring.SoftmaxMeanOverHeads)
{
    /// <summary>No drop: the full model.</summary>
    public static DropSchedule None { get; } = new("full", Array.Empty<DropStage>());

    /// <summary>A single drop before <paramref name="layer"/> keeping <paramref name="keep"/> of the droppable tokens
    /// (FastV drops once, early: layer 2 of 32).</summary>
    public static DropSchedule Single(int layer, double keep) => new($"single drop at layer {layer}, keep {keep:0.###}", new[] { new DropStage(layer, keep) });

    /// <summary>PyramidDrop: <paramref name="stages"/> equal stages over <paramref name="layers"/> layers; at the end of
    /// stage s the kept share becomes lambda^s (32 layers, 4 stages, lambda 0.5: drops before layers 8, 16, 24
    /// keeping 1/2, 1/4, 1/8).</summary>
    public static DropSchedule Pyramid(int layers, int stages = 4, double lambda = 0.5)
    {
        if (stages < 2 || layers < stages) throw new ArgumentException($"a pyramid needs 2..{layers} stages (got {stages})");
        if (lambda <= 0 || lambda >= 1) throw new ArgumentException($"lambda must be in (0, 1) (got {lambda})");
        var drops = Enumerable.Range(1, stages - 1).Select(s => new DropStage(s * layers / stages, Math.Pow(lambda, s))).ToArray();
        return new($"PyramidDrop ({stages} stages, λ = {lambda:0.##})", drops);
    }

    /// <summary>Checks the stages fit a model of <paramref name="layers"/> layers: layers increasing in 0..layers-1,
    /// shares decreasing in [0, 1].</summary>
    public DropSchedule Validate(int layers)
    {
        for (int i = 0; i < Stages.Count; i++)
        {
            var s = Stages[i];
            if (s.Layer < 0 || s.Layer >= layers) throw new ArgumentException($"{Name}: drop before layer {s.Layer} is outside 0..{layers - 1}");
            if (s.Keep < 0 || s.Keep > 1) throw new ArgumentException($"{Name}: keep share {s.Keep} is outside [0, 1]");
            if (i > 0 && (s.Layer <= Stages[i - 1].Layer || s.Keep > Stages[i - 1].Keep))
                throw new ArgumentException($"{Name}: stages must go deeper and keep no more than the stage before");
        }
        return this;
    }

    /// <summary>Droppable tokens kept at each of the layers (of <paramref name="candidates"/>), rounding to the nearest.</summary>
    public int[] KeptPerLayer(int layers, int candidates)
    {
        var kept = new int[layers];
        int current = candidates;
        int next = 0;
        for (int l = 0; l < layers; l++)
        {
            while (next < Stages.Count && Stages[next].Layer == l) current = (int)Math.Round(Stages[next++].Keep * candidates);
            kept[l] = current;
        }
        return kept;
    }
}
