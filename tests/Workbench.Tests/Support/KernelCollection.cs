namespace Workbench.Tests.Support;

/// <summary>Tests that run notebooks change the process's current directory and environment, so they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "notebook kernel";
}
