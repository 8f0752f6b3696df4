namespace Workbench.Stats;

/// <summary>Pearson's chi-square goodness-of-fit test: do observed counts follow expected probabilities?</summary>
public static class ChiSquare
{
    /// <summary>Result: the statistic, degrees of freedom and p-value (chance of a statistic this large if the counts
    /// did follow the probabilities).</summary>
    public sealed record Result(double Statistic, int DegreesOfFreedom, double PValue);

    /// <summary>Tests <paramref name="observed"/> counts against <paramref name="expected"/> probabilities. Categories
    /// with expected count below <paramref name="minExpected"/> are pooled into one (the test needs about 5 per cell).</summary>
    public static Result Test(IReadOnlyList<long> observed, IReadOnlyList<double> expected, double minExpected = 5)
    {
        if (observed.Count != expected.Count) throw new ArgumentException("observed and expected must have the same categories");
        double n = observed.Sum();
        double stat = 0, pooledObs = 0, pooledExp = 0;
        int cells = 0;
        for (int i = 0; i < observed.Count; i++)
        {
            double e = expected[i] * n;
            if (e < minExpected) { pooledObs += observed[i]; pooledExp += e; continue; }
            stat += (observed[i] - e) * (observed[i] - e) / e;
            cells++;
        }
        if (pooledExp > 0)
        {
            stat += (pooledObs - pooledExp) * (pooledObs - pooledExp) / Math.Max(pooledExp, 1e-12);
            cells++;
        }
        int df = Math.Max(1, cells - 1);
        return new Result(stat, df, UpperRegularizedGamma(df / 2.0, stat / 2.0));
    }

    /// <summary>Q(a, x) = Γ(a, x) / Γ(a): the chi-square survival function is Q(df/2, stat/2).</summary>
    public static double UpperRegularizedGamma(double a, double x)
    {
        if (x <= 0) return 1;
        if (x < a + 1)
        {
            // Series for the lower function P(a, x) = e^-x x^a / Γ(a+1) · Σ x^n / ((a+1)…(a+n)).
            double term = 1 / a, sum = term;
            for (int n = 1; n < 1000 && Math.Abs(term) > Math.Abs(sum) * 1e-15; n++)
            {
                term *= x / (a + n);
                sum += term;
            }
            return 1 - sum * Math.Exp(-x + a * Math.Log(x) - LogGamma(a));
        }
        // Continued fraction for Q(a, x) (modified Lentz).
        double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
        for (int i = 1; i < 1000; i++)
        {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < 1e-300) d = 1e-300;
            c = b + an / c;
            if (Math.Abs(c) < 1e-300) c = 1e-300;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-15) break;
        }
        return Math.Exp(-x + a * Math.Log(x) - LogGamma(a)) * h;
    }

    /// <summary>ln Γ(x) for x > 0 (Lanczos approximation, g = 7).</summary>
    public static double LogGamma(double x)
    {
        double[] c = { 0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                       -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7 };
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        double a = c[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) a += c[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }
}
