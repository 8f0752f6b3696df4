using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Workbench.Torch;

/// <summary>Loads TorchSharp's native libraries from this assembly's own folder, chooses the device and seeds RNGs.</summary>
/// <remarks>
/// Hosts that did not build us (the stock Polyglot kernel, dotnet-repl) do not see our native assets, and TorchSharp
/// then fails with a misleading "doesn't contain a reference to libtorch-cpu" message. Loading libtorch and
/// LibTorchSharp by full path first makes TorchSharp's own by-name load find them already mapped; when that fails
/// we report the real reason in one line instead.
/// </remarks>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static string? _loadError;
    static bool _loaded;

    /// <summary>Native library names, in load order (libtorch pulls in c10 and torch_cpu from its own folder).</summary>
    static readonly string[] NativeOrder = { "libtorch", "libLibTorchSharp" };

    /// <summary>Loads the native libraries once; throws <see cref="TorchUnavailableException"/> with the real reason.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (_loadError == null)
            {
                _loadError = TryPreload();
                if (_loadError == null)
                {
                    try { _ = torch.__version__; }
                    catch (Exception e) { _loadError = "TorchSharp failed to initialise: " + FirstLine(e); }
                }
            }
            if (_loadError != null) throw new TorchUnavailableException(_loadError);
            _loaded = true;
            // WORKBENCH_THREADS caps torch's threads (e.g. 1 when several jobs share two cores: oversubscribed
            // OpenMP threads spin and slow everyone down).
            if (int.TryParse(Environment.GetEnvironmentVariable("WORKBENCH_THREADS"), out var threads) && threads > 0)
                set_num_threads(threads);
        }
    }

    /// <summary>The folder the native libraries are loaded from, or null when the host resolves them itself.</summary>
    public static string? NativeDirectory => FindNativeDirectory(AppContext.BaseDirectory)
        ?? FindNativeDirectory(Path.GetDirectoryName(typeof(TorchRuntime).Assembly.Location));

    static string? FindNativeDirectory(string? baseDir)
    {
        if (string.IsNullOrEmpty(baseDir)) return null;
        var rid = RuntimeInformation.RuntimeIdentifier.StartsWith("linux-arm64") ? "linux-arm64" : "linux-x64";
        foreach (var dir in new[] { Path.Combine(baseDir, "runtimes", rid, "native"), baseDir })
            if (File.Exists(Path.Combine(dir, "libLibTorchSharp.so"))) return dir;
        return null;
    }

    /// <summary>Returns null on success, else one line saying why the natives cannot load.</summary>
    static string? TryPreload()
    {
        if (!OperatingSystem.IsLinux()) return null; // elsewhere TorchSharp's own resolution works as shipped
        var dir = NativeDirectory;
        if (dir == null)
            return $"TorchSharp's native library (libLibTorchSharp.so) is not next to {typeof(TorchRuntime).Assembly.Location}: "
                 + "build the project (dotnet build) and reference its bin output.";
        foreach (var name in NativeOrder)
        {
            var path = Path.Combine(dir, name + ".so");
            if (!File.Exists(path))
                return $"{path} is missing: the libtorch package was not restored for this platform (see README, 'CUDA and other platforms').";
            try { NativeLibrary.Load(path); }
            catch (Exception e) { return Explain(path, e); }
        }
        return null;
    }

    /// <summary>Turns a dlopen failure into one actionable line.</summary>
    internal static string Explain(string path, Exception e)
    {
        // .NET puts dlerror()'s text (the real reason) on the last line of the message.
        var full = Innermost(e).Message;
        var m = System.Text.RegularExpressions.Regex.Match(full, @"version `(GLIBCXX_[0-9.]+)' not found");
        if (m.Success)
            return $"cannot load {Path.GetFileName(path)}: the system libstdc++ lacks {m.Groups[1].Value} (needs GCC 13's). "
                 + "Rebuild with 'dotnet build' (the build marks that requirement weak on such systems) or use Ubuntu 24.04 / Debian 13.";
        var reason = full.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? full;
        return $"cannot load {path}: {reason}";
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException != null && e is TypeInitializationException) e = e.InnerException;
        return e;
    }

    static string FirstLine(Exception e) => Innermost(e).Message.Split('\n')[0].Trim();

    /// <summary>CUDA when available (unless WORKBENCH_DEVICE=cpu), else CPU.</summary>
    public static Device Device
    {
        get
        {
            EnsureLoaded();
            var wanted = Environment.GetEnvironmentVariable("WORKBENCH_DEVICE");
            if (string.Equals(wanted, "cpu", StringComparison.OrdinalIgnoreCase)) return CPU;
            return cuda.is_available() ? CUDA : CPU;
        }
    }

    /// <summary>Seeds torch (CPU and CUDA) so runs are repeatable.</summary>
    public static void Seed(long seed)
    {
        EnsureLoaded();
        random.manual_seed(seed);
        if (cuda.is_available()) cuda.manual_seed_all(seed);
    }

    /// <summary>One line describing the torch runtime: version, device, threads.</summary>
    public static string Describe()
    {
        EnsureLoaded();
        return $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} (libtorch {torch.__version__}), "
             + $"device {Device.type.ToString().ToLowerInvariant()}, {get_num_threads()} threads, "
             + $"{Environment.ProcessorCount} cores";
    }
}

/// <summary>TorchSharp's native libraries cannot be loaded; the message says why in one line.</summary>
public sealed class TorchUnavailableException(string message) : Exception(message);
