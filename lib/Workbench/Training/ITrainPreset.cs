namespace Workbench.Training;

/// <summary>A shipped checkpoint's recipe: <c>workbench train &lt;name&gt;</c> runs it deterministically and writes
/// data/checkpoints/&lt;name&gt;/. Implementations need a public parameterless constructor (found by reflection).</summary>
public interface ITrainPreset
{
    /// <summary>The preset and checkpoint name.</summary>
    string Name { get; }

    /// <summary>One sentence: what it trains.</summary>
    string Description { get; }

    /// <summary>Trains from scratch with a fixed seed and writes the checkpoint; returns its card.</summary>
    CheckpointCard Train();
}

/// <summary>Every training preset in the library.</summary>
public static class TrainPresets
{
    static readonly Lazy<IReadOnlyList<ITrainPreset>> Presets = new(() => typeof(ITrainPreset).Assembly.GetTypes()
        .Where(t => typeof(ITrainPreset).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) != null)
        .Select(t => (ITrainPreset)Activator.CreateInstance(t)!)
        .OrderBy(p => p.Name, StringComparer.Ordinal)
        .ToList());

    /// <summary>All presets, sorted by name.</summary>
    public static IReadOnlyList<ITrainPreset> All => Presets.Value;

    /// <summary>The preset with this name, or null.</summary>
    public static ITrainPreset? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}
