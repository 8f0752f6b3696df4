namespace Workbench.Data.Image;

/// <summary>The lossy core of baseline JPEG on greyscale images: level shift, 8x8 DCT, quantisation by the standard
/// luminance table scaled by a quality factor as libjpeg scales it, then dequantisation and inverse DCT back to 8-bit
/// pixels. Entropy coding is lossless and left out; what remains is exactly what makes blocking artefacts.</summary>
public static class JpegLikeCodec
{
    /// <summary>The luminance quantisation table of the JPEG standard (ITU-T T.81, Annex K, Table K.1), row-major.</summary>
    public static readonly int[] LuminanceTable =
    {
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    };

    /// <summary>The table at quality factor <paramref name="quality"/> (1..100): libjpeg's scaling, 5000/QF % below 50
    /// and 200 - 2QF % from 50, each step rounded and clipped to 1..255 (QF 50 is the standard table, QF 100 all ones).</summary>
    public static int[] QuantizationTable(int quality)
    {
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), $"quality factor must be 1..100 (got {quality})");
        int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
        return LuminanceTable.Select(q => Math.Clamp((q * scale + 50) / 100, 1, 255)).ToArray();
    }

    /// <summary>Compresses and decodes an image at a quality factor: the decoded 8-bit image with its blocking artefacts.
    /// Sizes that are not multiples of 8 are padded by repeating the edge, as JPEG encoders do, and cropped back.</summary>
    public static GrayImage Compress(GrayImage image, int quality) => RoundTrip(image, QuantizationTable(quality));

    /// <summary>DCT, quantise with <paramref name="table"/> (null: no quantisation at all), inverse DCT. Without a table
    /// the output equals the 8-bit input exactly: all loss comes from quantisation.</summary>
    public static GrayImage RoundTrip(GrayImage image, int[]? table)
    {
        if (table is { Length: not 64 }) throw new ArgumentException("a quantisation table has 64 entries", nameof(table));
        int w = image.Width, h = image.Height;
        var output = new double[w * h];
        var block = new double[64];
        for (int by = 0; by < h; by += 8)
            for (int bx = 0; bx < w; bx += 8)
            {
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++)
                        block[y * 8 + x] = Math.Clamp(Math.Round(image[Math.Min(by + y, h - 1), Math.Min(bx + x, w - 1)]), 0, 255) - 128;
                var coef = Dct8x8.Forward(block);
                if (table != null)
                    for (int i = 0; i < 64; i++) coef[i] = Math.Round(coef[i] / table[i]) * table[i]; // what the decoder sees
                var decoded = Dct8x8.Inverse(coef);
                for (int y = 0; y < 8 && by + y < h; y++)
                    for (int x = 0; x < 8 && bx + x < w; x++)
                        output[(by + y) * w + bx + x] = Math.Clamp(Math.Round(decoded[y * 8 + x] + 128), 0, 255);
            }
        return new GrayImage(w, h, output);
    }
}
