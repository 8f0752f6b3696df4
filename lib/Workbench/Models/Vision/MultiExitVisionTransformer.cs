using TorchSharp;
using TorchSharp.Modules;
using Workbench.EarlyExit;
using static TorchSharp.torch;

namespace Workbench.Models.Vision;

/// <summary>Where an exit head sits and what it is: after block <paramref name="Layer"/> (1-based, so layer 3 reads
/// <c>blocks.2.resid_post</c>), of kind <paramref name="Kind"/>; <paramref name="Reduction"/> is a global head's
/// downsampling ratio.</summary>
public sealed record ExitSpec(int Layer, ExitHeadKind Kind, int Reduction = 1);

/// <summary>Every exit's output, the final classifier's logits and the last block's hidden states of one batch.</summary>
public sealed record MultiExitPass(ExitOutput[] Exits, Tensor FinalLogits, Tensor LastHidden);

/// <summary>What batched early-exit inference decided per image: the exit it stopped at (heads 0..E-1, or E for the
/// final classifier) and its prediction.</summary>
public sealed record EarlyExitInference(int[] ExitOf, int[] Predictions);

/// <summary>A ViT backbone with exit heads attached after some of its blocks (LGViT, ViT-EE style). The final
/// classifier is the last exit and always answers.</summary>
public sealed class MultiExitVisionTransformer : nn.Module<Tensor, Tensor>
{
    readonly VisionTransformer _backbone;
    readonly ModuleList<ExitHead> _heads;
    readonly Dictionary<int, int> _headAfterLayer;

    /// <summary>The backbone (embedding, blocks, final norm and classifier).</summary>
    public VisionTransformer Backbone => _backbone;

    /// <summary>The exit heads, shallowest first.</summary>
    public IReadOnlyList<ExitHead> Heads => _heads.ToList();

    /// <summary>Where each head sits.</summary>
    public IReadOnlyList<ExitSpec> Exits { get; }

    /// <summary>A backbone of shape <paramref name="vit"/> with heads at <paramref name="exits"/> (increasing layers,
    /// each before the last block's output, which the final classifier reads).</summary>
    public MultiExitVisionTransformer(VitConfig vit, IEnumerable<ExitSpec> exits) : base(nameof(MultiExitVisionTransformer))
    {
        Exits = exits.ToList();
        for (int k = 0; k < Exits.Count; k++)
        {
            if (Exits[k].Layer < 1 || Exits[k].Layer >= vit.Layers) throw new ArgumentException($"exit {k} at layer {Exits[k].Layer}: heads go after blocks 1..{vit.Layers - 1}");
            if (k > 0 && Exits[k].Layer <= Exits[k - 1].Layer) throw new ArgumentException("exit layers must increase");
        }
        _backbone = new VisionTransformer(vit);
        _heads = nn.ModuleList(Exits.Select(e => ExitHead.Create(e.Kind, vit, e.Reduction)).ToArray());
        _headAfterLayer = Exits.Select((e, k) => (e.Layer, k)).ToDictionary(p => p.Layer, p => p.k);
        RegisterComponents();
    }

    /// <summary>LGViT's layout: heads after <paramref name="layers"/>, local perception heads on the shallow half and
    /// global aggregation heads on the deep half (the first half of those pooling by 2, the rest by 3).</summary>
    public static IReadOnlyList<ExitSpec> LgvitLayout(IReadOnlyList<int> layers)
    {
        int local = (layers.Count + 1) / 2, global = layers.Count - local, r2 = (global + 1) / 2;
        return layers.Select((l, k) => k < local ? new ExitSpec(l, ExitHeadKind.LocalPerception)
            : new ExitSpec(l, ExitHeadKind.GlobalAggregation, k - local < r2 ? 2 : 3)).ToList();
    }

    /// <summary>The baseline layout: a linear CLS head after each of <paramref name="layers"/>.</summary>
    public static IReadOnlyList<ExitSpec> LinearLayout(IReadOnlyList<int> layers) => layers.Select(l => new ExitSpec(l, ExitHeadKind.Linear)).ToList();

    /// <summary>Final logits (the full model, no early exit).</summary>
    public override Tensor forward(Tensor images) => _backbone.forward(images);

    /// <summary>Runs the backbone and every head on a batch. With <paramref name="frozenBackbone"/> the backbone runs
    /// without autograd, so only the heads receive gradients (LGViT's stage 2).</summary>
    public MultiExitPass ForwardAll(Tensor images, bool frozenBackbone = false)
    {
        var hidden = new Tensor[Exits.Count];
        Tensor x, final;
        using (frozenBackbone ? no_grad() : null)
        {
            x = _backbone.Embed(images);
            for (int i = 0; i < _backbone.Config.Layers; i++)
            {
                x = _backbone.Block(i, x);
                if (_headAfterLayer.TryGetValue(i + 1, out var k)) hidden[k] = x;
            }
            final = _backbone.Classify(x);
        }
        var exits = hidden.Select((h, k) => _heads[k].Run(h)).ToArray();
        return new MultiExitPass(exits, final, x);
    }

    /// <summary>Stops (or restarts) gradients into the backbone.</summary>
    public void FreezeBackbone(bool frozen = true)
    {
        foreach (var p in _backbone.parameters()) p.requires_grad = !frozen;
    }

    /// <summary>The heads' parameters.</summary>
    public IEnumerable<Parameter> HeadParameters => _heads.SelectMany(h => h.parameters());

    /// <summary>FLOPs per image of the full model without exits (the speedup's reference).</summary>
    public double FullModelFlops => _backbone.Flops;

    /// <summary>FLOPs per image to answer at each exit, the final classifier last: the backbone up to that layer plus
    /// every head evaluated on the way (early-exit inference runs each head it passes).</summary>
    public double[] CostToExit()
    {
        var cost = new double[Exits.Count + 1];
        double heads = 0;
        for (int k = 0; k < Exits.Count; k++)
        {
            heads += _heads[k].Flops;
            cost[k] = _backbone.EmbedFlops + Exits[k].Layer * _backbone.BlockFlops + heads;
        }
        cost[^1] = _backbone.Flops + heads;
        return cost;
    }

    /// <summary>Softmax outputs at every exit (heads, then the final classifier) for images [n, C, H, W], in batches:
    /// [exit][image][class].</summary>
    public double[][][] Probabilities(Tensor images, int batch = 500)
    {
        using var _ = no_grad();
        eval();
        long n = images.shape[0];
        var result = Enumerable.Range(0, Exits.Count + 1).Select(_ => new double[n][]).ToArray();
        for (long start = 0; start < n; start += batch)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(batch, n - start);
            var pass = ForwardAll(images.narrow(0, start, len));
            var logits = pass.Exits.Select(e => e.Logits).Append(pass.FinalLogits).ToArray();
            for (int k = 0; k < logits.Length; k++)
            {
                var p = logits[k].softmax(-1).to(ScalarType.Float64).data<double>().ToArray();
                int classes = (int)logits[k].shape[1];
                for (long i = 0; i < len; i++) result[k][start + i] = p.AsSpan((int)(i * classes), classes).ToArray();
            }
        }
        return result;
    }

    /// <summary>Early-exit inference as deployed: blocks run batch by batch, and after each head the images whose
    /// policy says stop leave the batch, so later blocks run only on the rest. Same decisions as
    /// <see cref="ExitDecision.FirstExit"/> on <see cref="Probabilities"/>, at the real cost.</summary>
    public EarlyExitInference Infer(Tensor images, IExitPolicy policy, int batch = 500)
    {
        using var _ = no_grad();
        eval();
        long n = images.shape[0];
        var exitOf = new int[n];
        var predictions = new int[n];
        for (long start = 0; start < n; start += batch)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(batch, n - start);
            var active = Enumerable.Range(0, (int)len).Select(i => start + i).ToList();   // image ids still running
            var signals = active.ToDictionary(i => i, _ => new List<ExitSignal>());
            var x = _backbone.Embed(images.narrow(0, start, len));
            for (int i = 0; i < _backbone.Config.Layers && active.Count > 0; i++)
            {
                x = _backbone.Block(i, x);
                if (!_headAfterLayer.TryGetValue(i + 1, out var k)) continue;
                var probs = _heads[k].forward(x).softmax(-1);
                var (conf, pred) = probs.max(-1);
                var c = conf.to(ScalarType.Float64).data<double>().ToArray();
                var p = pred.data<long>().ToArray();
                var h = (-(probs * probs.clamp_min(1e-12).log()).sum(-1)).to(ScalarType.Float64).data<double>().ToArray();
                var keep = new List<long>();
                var stillActive = new List<long>();
                for (int j = 0; j < active.Count; j++)
                {
                    var s = signals[active[j]];
                    s.Add(new ExitSignal(k, (int)p[j], c[j], h[j]));
                    if (policy.ShouldExit(s)) { exitOf[active[j]] = k; predictions[active[j]] = (int)p[j]; }
                    else { keep.Add(j); stillActive.Add(active[j]); }
                }
                if (keep.Count < active.Count) x = x.index_select(0, tensor(keep.ToArray()));
                active = stillActive;
            }
            if (active.Count == 0) continue;
            var final = _backbone.Classify(x).argmax(-1).data<long>().ToArray();
            for (int j = 0; j < active.Count; j++) { exitOf[active[j]] = Exits.Count; predictions[active[j]] = (int)final[j]; }
        }
        return new EarlyExitInference(exitOf, predictions);
    }
}
