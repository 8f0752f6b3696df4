namespace Workbench;

/// <summary>Quick or full size. Quick mode (tests, CI, a first look) is set by the environment variable
/// WORKBENCH_QUICK=1 so it reaches experiments in every host; <c>workbench run --quick</c> sets it.</summary>
public static class RunMode
{
    /// <summary>The environment variable that selects quick mode.</summary>
    public const string QuickVariable = "WORKBENCH_QUICK";

    /// <summary>True when experiments should use their quick size.</summary>
    public static bool Quick => Environment.GetEnvironmentVariable(QuickVariable) is "1" or "true" or "yes";

    /// <summary>Picks the quick or the full value of a setting.</summary>
    public static T Pick<T>(T quick, T full) => Quick ? quick : full;
}
