namespace Workbench.Papers.GemFilter;

/// <summary>Sizes of the GemFilter needle-in-a-haystack experiment.</summary>
/// <param name="Lengths">Prompt lengths n of the accuracy heatmap (and the cost figure).</param>
/// <param name="Depths">Needle depths of the heatmap (0 = start of the haystack, 1 = right before the question).</param>
/// <param name="PromptsPerCell">Prompts per (length, depth) cell, each run by the full model, GemFilter and SnapKV.</param>
/// <param name="CalibrationPrompts">Prompts (other seeds' draws, random depths, every length) for the per-layer needle
/// hit rate that picks the filter layer.</param>
/// <param name="HitK">Top-k of the per-layer hit rate (the spec's k = 16).</param>
/// <param name="KeepFraction">GemFilter keeps k = n · KeepFraction haystack tokens (the question and &lt;bos&gt; always stay).</param>
/// <param name="FilterLayer">The filter layer r; null picks the earliest layer whose calibration hit rate is highest
/// (within one point), as the paper picks r from its needle analysis.</param>
/// <param name="SnapKvWindow">SnapKV's observation window (the question plus the last haystack tokens); it keeps k
/// entries per layer and head besides the window.</param>
/// <param name="TimingRepeats">Repeats of each timed prompt pass (the median is reported).</param>
/// <param name="Decoys">Decoy needles (other keys) in every prompt.</param>
public sealed record GemFilterConfig(int[] Lengths, double[] Depths, int PromptsPerCell, int CalibrationPrompts, int HitK = 16,
    double KeepFraction = 1.0 / 16, int? FilterLayer = null, int SnapKvWindow = 8, int TimingRepeats = 3, int Decoys = Training.HaystackLm.EvalDecoys)
{
    /// <summary>Full: n = 128..1024, five depths, 24 prompts a cell. Quick: n = 64 and 128, three depths, 4 prompts a cell.</summary>
    public static GemFilterConfig For(bool quick) => quick
        ? new GemFilterConfig(new[] { 64, 128 }, new[] { 0.0, 0.5, 1.0 }, PromptsPerCell: 4, CalibrationPrompts: 16, TimingRepeats: 1)
        : new GemFilterConfig(new[] { 128, 256, 512, 1024 }, new[] { 0.0, 0.25, 0.5, 0.75, 1.0 }, PromptsPerCell: 24, CalibrationPrompts: 192);

    /// <summary>GemFilter's (and SnapKV's) budget at length n: k = n · KeepFraction, at least one token.</summary>
    public int KeepAt(int n) => Math.Max(1, (int)Math.Round(n * KeepFraction));
}
