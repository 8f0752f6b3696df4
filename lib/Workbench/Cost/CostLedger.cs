using System.Diagnostics;

namespace Workbench.Cost;

/// <summary>What a piece of inference cost: forward passes, layers executed, FLOPs and wall time, per model role.</summary>
/// <remarks>Every algorithm's trace carries one, so speedups can be shown both modelled (from counts) and measured
/// (wall time in the same run). Roles are free-form names from the papers: "draft", "target", "exit head".</remarks>
public sealed class CostLedger
{
    readonly Dictionary<string, RoleCost> _roles = new();

    /// <summary>Counts for one role.</summary>
    public sealed class RoleCost
    {
        /// <summary>Forward calls (a chunk of several tokens is one call).</summary>
        public long Calls { get; internal set; }
        /// <summary>Transformer (or network) layers executed, summed over calls.</summary>
        public long Layers { get; internal set; }
        /// <summary>Floating-point operations (multiply and add counted separately).</summary>
        public double Flops { get; internal set; }
        /// <summary>Tokens (or samples) processed.</summary>
        public long Tokens { get; internal set; }
        /// <summary>Measured wall time.</summary>
        public TimeSpan Wall { get; internal set; }
    }

    /// <summary>The roles seen so far.</summary>
    public IReadOnlyDictionary<string, RoleCost> Roles => _roles;

    /// <summary>Counts for a role (zeros when it never ran).</summary>
    public RoleCost this[string role] => _roles.TryGetValue(role, out var r) ? r : new RoleCost();

    /// <summary>Adds one call's counts to a role.</summary>
    public void Add(string role, long layers, double flops, long tokens, TimeSpan wall, long calls = 1)
    {
        if (!_roles.TryGetValue(role, out var r)) _roles[role] = r = new RoleCost();
        r.Calls += calls;
        r.Layers += layers;
        r.Flops += flops;
        r.Tokens += tokens;
        r.Wall += wall;
    }

    /// <summary>Times <paramref name="work"/> and adds it to a role with the given analytic counts.</summary>
    public T Measure<T>(string role, long layers, double flops, long tokens, Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        var result = work();
        Add(role, layers, flops, tokens, clock.Elapsed);
        return result;
    }

    /// <summary>Adds every role of another ledger to this one.</summary>
    public void Merge(CostLedger other)
    {
        foreach (var (role, c) in other._roles) Add(role, c.Layers, c.Flops, c.Tokens, c.Wall, c.Calls);
    }

    /// <summary>Total FLOPs over all roles.</summary>
    public double TotalFlops => _roles.Values.Sum(r => r.Flops);

    /// <summary>Total wall time over all roles.</summary>
    public TimeSpan TotalWall => TimeSpan.FromTicks(_roles.Values.Sum(r => r.Wall.Ticks));

    /// <summary>An HTML table: calls, layers, MFLOPs, tokens and milliseconds per role.</summary>
    public string ToHtml()
    {
        var sb = new System.Text.StringBuilder(Viz.HtmlTable.Open).Append("<tr>");
        foreach (var h in new[] { "role", "calls", "layers run", "MFLOP", "tokens", "wall ms" }) sb.Append(Viz.HtmlTable.Head(h));
        sb.Append("</tr>");
        foreach (var (role, c) in _roles)
            sb.Append("<tr>").Append(Viz.HtmlTable.Cell(role)).Append(Viz.HtmlTable.Cell(c.Calls.ToString()))
              .Append(Viz.HtmlTable.Cell(c.Layers.ToString())).Append(Viz.HtmlTable.Cell((c.Flops / 1e6).ToString("0.##")))
              .Append(Viz.HtmlTable.Cell(c.Tokens.ToString())).Append(Viz.HtmlTable.Cell(c.Wall.TotalMilliseconds.ToString("0.#"))).Append("</tr>");
        return sb.Append("</table>").ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join("; ", _roles.Select(kv =>
        $"{kv.Key}: {kv.Value.Calls} calls, {kv.Value.Layers} layers, {kv.Value.Flops / 1e6:0.##} MFLOP, {kv.Value.Wall.TotalMilliseconds:0} ms"));
}
