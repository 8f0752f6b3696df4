using System.Text.Json.Nodes;
using Workbench.Cost;

namespace Workbench.Tests.Support;

/// <summary>The independent PyTorch reference (tools/pytorch/llama_reference.py on Debian's python3-torch).</summary>
public static class Python
{
    static readonly Lazy<bool> HasTorch = new(() => PyTorchPeer.Available);

    /// <summary>True when /usr/bin/python3 can import torch.</summary>
    public static bool Available => HasTorch.Value;

    /// <summary>Why tests that need it are skipped.</summary>
    public const string Missing = "/usr/bin/python3 with torch is not installed (apt-get install python3-torch; .ci/run does this)";

    /// <summary>Runs the reference script and parses its JSON output.</summary>
    public static JsonNode RunJson(params string[] args) => PyTorchPeer.RunReference(args);
}
