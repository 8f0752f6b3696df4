using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Workbench.Cost;

/// <summary>Runs the independent PyTorch reference (tools/pytorch/llama_reference.py with Debian's python3-torch) as a
/// performance and correctness peer on the same machine.</summary>
public static class PyTorchPeer
{
    /// <summary>Debian's interpreter, for which python3-torch installs (a pyenv shim would lack torch).</summary>
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>True when the interpreter can import torch.</summary>
    public static bool Available => File.Exists(Interpreter) && Run(new[] { "-c", "import torch" }, out _) == 0;

    /// <summary>Runs the reference script with arguments and parses its JSON output; throws with its error text.</summary>
    public static JsonNode RunReference(params string[] args)
    {
        var script = RepoPaths.Under("tools", "pytorch", "llama_reference.py");
        int code = Run(new[] { script }.Concat(args).ToArray(), out var output);
        if (code != 0) throw new InvalidOperationException($"PyTorch reference failed ({code}): {output.Split('\n').LastOrDefault(l => l.Length > 0)}");
        return JsonNode.Parse(output)!;
    }

    static int Run(string[] args, out string output)
    {
        var psi = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        output = p.ExitCode == 0 ? stdout.Result : stderr.Result;
        return p.ExitCode;
    }
}
