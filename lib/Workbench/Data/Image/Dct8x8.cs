namespace Workbench.Data.Image;

/// <summary>The orthonormal 8x8 type-II DCT that JPEG codes blocks with, applied separably (rows, then columns).</summary>
public static class Dct8x8
{
    /// <summary>Basis C[u, x] = a(u) cos((2x+1)uπ/16), a(0) = √(1/8), else √(2/8): orthonormal, so the inverse is Cᵀ.</summary>
    static readonly double[] C = Build();

    static double[] Build()
    {
        var c = new double[64];
        for (int u = 0; u < 8; u++)
            for (int x = 0; x < 8; x++)
                c[u * 8 + x] = (u == 0 ? Math.Sqrt(1.0 / 8) : Math.Sqrt(2.0 / 8)) * Math.Cos((2 * x + 1) * u * Math.PI / 16);
        return c;
    }

    /// <summary>Coefficients F = C·B·Cᵀ of a block (64 values, row-major; F[0] is 8x the block mean).</summary>
    public static double[] Forward(ReadOnlySpan<double> block) => Apply(block, transpose: false);

    /// <summary>The block B = Cᵀ·F·C back from its coefficients.</summary>
    public static double[] Inverse(ReadOnlySpan<double> coefficients) => Apply(coefficients, transpose: true);

    static double[] Apply(ReadOnlySpan<double> a, bool transpose)
    {
        if (a.Length != 64) throw new ArgumentException($"an 8x8 block has 64 values, got {a.Length}");
        // M(i,j) = C[i,j] forward, C[j,i] inverse; result = M·A·Mᵀ.
        double M(int i, int j) => transpose ? C[j * 8 + i] : C[i * 8 + j];
        var tmp = new double[64];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
            {
                double s = 0;
                for (int k = 0; k < 8; k++) s += M(i, k) * a[k * 8 + j];
                tmp[i * 8 + j] = s;
            }
        var result = new double[64];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++)
            {
                double s = 0;
                for (int k = 0; k < 8; k++) s += tmp[i * 8 + k] * M(j, k);
                result[i * 8 + j] = s;
            }
        return result;
    }
}
