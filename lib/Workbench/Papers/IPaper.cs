namespace Workbench.Papers;

/// <summary>A seed paper's reproduction: runs its experiment at quick or full size and checks its criteria.</summary>
/// <remarks>Each paper lives in Papers/&lt;Name&gt;/ with its experiment (config record -> typed result) and key figure;
/// this interface is what <c>workbench reproduce</c> and the notebooks call. Implementations need a public
/// parameterless constructor; the registry finds them by reflection.</remarks>
public interface IPaper
{
    /// <summary>The slug (folder, notebook and <c>reproduce</c> name), e.g. "kangaroo".</summary>
    string Slug { get; }

    /// <summary>The paper's short title.</summary>
    string Title { get; }

    /// <summary>Runs the experiment (quick: seconds, for tests and CI; full: the size that reproduces the figure) and
    /// measures every "Reproduced if" criterion.</summary>
    Reproduction Reproduce(bool quick);
}

/// <summary>Every paper implemented in this library, by slug.</summary>
public static class PaperRegistry
{
    static readonly Lazy<IReadOnlyList<IPaper>> Papers = new(() => typeof(IPaper).Assembly.GetTypes()
        .Where(t => typeof(IPaper).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false } && t.GetConstructor(Type.EmptyTypes) != null)
        .Select(t => (IPaper)Activator.CreateInstance(t)!)
        .OrderBy(p => p.Slug, StringComparer.Ordinal)
        .ToList());

    /// <summary>All implemented papers, sorted by slug.</summary>
    public static IReadOnlyList<IPaper> All => Papers.Value;

    /// <summary>The paper with this slug, or null.</summary>
    public static IPaper? Find(string slug) => All.FirstOrDefault(p => p.Slug == slug);
}
