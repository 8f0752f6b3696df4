namespace Workbench.Cost;

/// <summary>Analytic FLOP counts (a multiply-add is 2 FLOPs; MACs = FLOPs / 2) for the layers our models use.</summary>
public static class Flops
{
    /// <summary>A dense layer applied to <paramref name="rows"/> vectors: rows x in x out multiply-adds.</summary>
    public static double Linear(long rows, long inFeatures, long outFeatures) => 2.0 * rows * inFeatures * outFeatures;

    /// <summary>Attention scores and weighted values for <paramref name="queries"/> queries over <paramref name="keys"/>
    /// keys with model width <paramref name="width"/> (all heads): QK^T and AV, each queries x keys x width.</summary>
    public static double AttentionMix(long queries, long keys, long width) => 2.0 * 2.0 * queries * keys * width;

    /// <summary>A 2-D convolution producing an outH x outW map.</summary>
    public static double Conv2d(long inChannels, long outChannels, long kernelH, long kernelW, long outH, long outW, long groups = 1) =>
        2.0 * outH * outW * outChannels * (inChannels / groups) * kernelH * kernelW;
}
