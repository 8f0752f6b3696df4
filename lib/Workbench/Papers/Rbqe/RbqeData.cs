using Workbench.Data;
using Workbench.Data.Image;
using Workbench.Data.Procedural;
using static TorchSharp.torch;

namespace Workbench.Papers.Rbqe;

/// <summary>One original image of the experiment and where it came from.</summary>
public sealed record SourceImage(string Source, GrayImage Original);

/// <summary>The images RBQE is trained and measured on: procedural textures and Fashion-MNIST upscaled, half each.</summary>
public static class RbqeData
{
    /// <summary>Source name of the procedural textures.</summary>
    public const string Textures = "texture";

    /// <summary>Source name of the upscaled Fashion-MNIST images.</summary>
    public const string Fashion = "fashion-mnist";

    /// <summary><paramref name="perSource"/> textures (seed <paramref name="seed"/>) and as many Fashion-MNIST images
    /// (from <paramref name="first"/> in <paramref name="fashion"/>, bilinearly upscaled), interleaved.</summary>
    public static IReadOnlyList<SourceImage> Mix(int perSource, long seed, ImageSet fashion, int first, int size)
    {
        if (first < 0 || first + perSource > fashion.Count)
            throw new ArgumentOutOfRangeException(nameof(first), $"Fashion-MNIST images {first}..{first + perSource} of {fashion.Count}");
        var textures = ProceduralTextures.Generate(perSource, seed, size);
        var list = new List<SourceImage>(2 * perSource);
        for (int i = 0; i < perSource; i++)
        {
            list.Add(new SourceImage(Textures, textures[i]));
            list.Add(new SourceImage(Fashion, GrayImage.From(fashion, first + i).Resize(size, size).Quantized()));
        }
        return list;
    }

    /// <summary>Pixels of images as a uint8 tensor [n, 1, h, w].</summary>
    public static Tensor Bytes(IEnumerable<GrayImage> images)
    {
        var list = images.ToList();
        int h = list[0].Height, w = list[0].Width;
        var data = new byte[(long)list.Count * h * w];
        for (int i = 0; i < list.Count; i++)
            for (int p = 0; p < h * w; p++) data[(long)i * h * w + p] = (byte)Math.Clamp(Math.Round(list[i].Pixels[p]), 0, 255);
        return tensor(data, new long[] { list.Count, 1, h, w });
    }

    /// <summary>Images [n, 1, h, w] on the 0..1 scale back to 8-bit images (what would be saved and shown).</summary>
    public static GrayImage[] Images(Tensor unit)
    {
        using var scope = NewDisposeScope();
        long n = unit.shape[0];
        int h = (int)unit.shape[2], w = (int)unit.shape[3];
        var flat = (unit.detach().to(ScalarType.Float32).cpu() * 255).round().clamp(0, 255).data<float>().ToArray();
        return Enumerable.Range(0, (int)n).Select(i => new GrayImage(w, h, flat.AsSpan(i * h * w, h * w).ToArray().Select(v => (double)v).ToArray())).ToArray();
    }
}
