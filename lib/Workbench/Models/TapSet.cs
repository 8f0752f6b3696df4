using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Workbench.Models;

/// <summary>Per-layer activations recorded during a forward pass, read by stable names such as
/// <c>blocks.3.resid_post</c> or <c>blocks.3.attn.scores</c> (TransformerLens-style hook points).</summary>
/// <remarks>
/// A model checks <see cref="Wants"/> before recording, so a forward pass without a TapSet (or with one that does not
/// ask for a name) does no extra work. Recorded tensors are detached copies that outlive the forward pass's dispose
/// scope; disposing the TapSet frees them. Patterns may use <c>*</c> for one name segment (<c>blocks.*.resid_post</c>).
/// </remarks>
public sealed class TapSet : IDisposable
{
    readonly Regex[] _patterns;
    readonly Dictionary<string, Tensor> _values = new();

    /// <summary>Records activations whose names match any of the patterns.</summary>
    public TapSet(params string[] patterns)
    {
        if (patterns.Length == 0) throw new ArgumentException("a TapSet needs at least one name or pattern", nameof(patterns));
        _patterns = patterns.Select(p => new Regex("^" + Regex.Escape(p).Replace(@"\*", "[^.]+") + "$", RegexOptions.Compiled)).ToArray();
    }

    /// <summary>True when the activation with this name should be recorded.</summary>
    public bool Wants(string name) => _patterns.Any(p => p.IsMatch(name));

    /// <summary>Records a detached copy (replacing an earlier value of the same name).</summary>
    public void Record(string name, Tensor value)
    {
        if (!Wants(name)) return;
        if (_values.Remove(name, out var old)) old.Dispose();
        _values[name] = value.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>The recorded activation; throws naming what was recorded when the name is unknown.</summary>
    public Tensor this[string name] => _values.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"no tap named '{name}' was recorded (recorded: {string.Join(", ", _values.Keys.Take(12))}{(_values.Count > 12 ? ", …" : "")})");

    /// <summary>Whether an activation with this name was recorded.</summary>
    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>Names recorded so far, in recording order.</summary>
    public IReadOnlyCollection<string> Names => _values.Keys;

    /// <summary>Frees every recorded tensor.</summary>
    public void Dispose()
    {
        foreach (var t in _values.Values) t.Dispose();
        _values.Clear();
    }
}
