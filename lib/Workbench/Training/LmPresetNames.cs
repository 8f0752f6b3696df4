namespace Workbench.Training;

/// <summary>Names of the shipped language-model checkpoints (folders in data/checkpoints).</summary>
public static class LmPresetNames
{
    /// <summary>The target: the larger model, trained on style A of the synthetic language.</summary>
    public const string Target = "lm-target";

    /// <summary>The draft: a small model trained on style B.</summary>
    public const string Draft = "lm-draft";

    /// <summary>The aligned draft: the draft's shape trained on the target's style A (for speed, not for judging).</summary>
    public const string AlignedDraft = "lm-draft-a";
}
