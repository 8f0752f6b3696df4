using System.Text.Json.Nodes;

namespace Workbench.Cost;

/// <summary>A benchmark for <c>workbench bench &lt;name&gt;</c>: measures alternatives side by side in one run and
/// reports ratios (speed goals live here, never in timed unit tests). Found by reflection; needs a public
/// parameterless constructor.</summary>
public interface IBenchmark
{
    /// <summary>The name used on the command line.</summary>
    string Name { get; }

    /// <summary>One sentence: what is measured against what.</summary>
    string Description { get; }

    /// <summary>Runs the benchmark (quick: a smoke-sized run) and returns its JSON report.</summary>
    JsonObject Run(bool quick);
}

/// <summary>Every benchmark in the library.</summary>
public static class Benchmarks
{
    static readonly Lazy<IReadOnlyList<IBenchmark>> All_ = new(() => typeof(IBenchmark).Assembly.GetTypes()
        .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) != null)
        .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
        .OrderBy(b => b.Name, StringComparer.Ordinal)
        .ToList());

    /// <summary>All benchmarks, sorted by name.</summary>
    public static IReadOnlyList<IBenchmark> All => All_.Value;

    /// <summary>The benchmark with this name, or null.</summary>
    public static IBenchmark? Find(string name) => All.FirstOrDefault(b => b.Name == name);
}
