using System.Runtime.CompilerServices;
using Workbench.Torch;
using Workbench.Viz;

namespace Workbench;

/// <summary>What happens when the library loads: formatters are registered and TorchSharp's natives are found.</summary>
/// <remarks>
/// Notebook hosts run no code of ours on <c>#r</c>; the module initializer runs at the first use of any Workbench type.
/// So every notebook's first cell is <c>#r "…/Workbench.dll"</c> followed by <c>Workbench.Library.Status()</c>, which
/// loads the natives (or says in one line why it cannot) before any cell calls <c>torch.*</c> directly.
/// </remarks>
public static class Library
{
    /// <summary>One line on the runtime (versions, device, threads) and the run mode; fails with the reason when
    /// TorchSharp cannot load.</summary>
    public static string Status() =>
        $"Workbench {typeof(Library).Assembly.GetName().Version?.ToString(2)} · {TorchRuntime.Describe()} · "
        + (RunMode.Quick ? $"quick mode ({RunMode.QuickVariable}=1)" : "full size");

    // A library module initializer is deliberate here: notebook hosts load us with #r and call nothing first.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void OnLoad()
    {
        Formatters.Register();
        // Failures are remembered and reported as one line by the first TorchRuntime.EnsureLoaded() call.
        try { TorchRuntime.EnsureLoaded(); } catch (TorchUnavailableException) { }
    }
}
