using static TorchSharp.torch;

namespace Workbench.Models.Transformer;

/// <summary>Key/value cache with static buffers (one per layer, [B, kvHeads, MaxSeqLen, headDim]) and a length per layer.</summary>
/// <remarks>
/// Appending writes into the buffer; nothing is concatenated. Rolling back rejected draft tokens is
/// <see cref="Truncate"/>: lengths move back and later writes overwrite the stale entries. Layers keep their own length
/// because self-speculation runs shallow layers ahead of deep ones (Kangaroo drafts through layers 0..l-1 only).
/// </remarks>
public sealed class KvCache : IDisposable
{
    readonly Tensor[] _keys, _values;
    readonly int[] _lengths;

    /// <summary>Allocates buffers for <paramref name="batch"/> sequences of up to <paramref name="capacity"/> tokens.</summary>
    public KvCache(TransformerConfig config, int batch = 1, int? capacity = null, Device? device = null)
    {
        Capacity = capacity ?? config.MaxSeqLen;
        Layers = config.Layers;
        _keys = new Tensor[Layers];
        _values = new Tensor[Layers];
        _lengths = new int[Layers];
        for (int i = 0; i < Layers; i++)
        {
            _keys[i] = zeros(new long[] { batch, config.KvHeads, Capacity, config.HeadDim }, device: device).DetachFromDisposeScope();
            _values[i] = zeros(new long[] { batch, config.KvHeads, Capacity, config.HeadDim }, device: device).DetachFromDisposeScope();
        }
    }

    /// <summary>Most tokens a layer can hold.</summary>
    public int Capacity { get; }

    /// <summary>Number of layers.</summary>
    public int Layers { get; }

    /// <summary>Tokens cached in a layer.</summary>
    public int LengthOf(int layer) => _lengths[layer];

    /// <summary>Tokens cached in the last layer (the length of the fully processed prefix).</summary>
    public int Length => _lengths[^1];

    /// <summary>Writes <paramref name="k"/>, <paramref name="v"/> ([B, kvHeads, T, headDim]) after the layer's cached
    /// tokens and returns views of all cached keys and values for attention.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        int start = _lengths[layer], t = (int)k.shape[2];
        if (start + t > Capacity)
            throw new InvalidOperationException($"KV cache full: layer {layer} holds {start} tokens, {t} more exceed capacity {Capacity}");
        _keys[layer].narrow(2, start, t).copy_(k);
        _values[layer].narrow(2, start, t).copy_(v);
        _lengths[layer] = start + t;
        return (_keys[layer].narrow(2, 0, start + t), _values[layer].narrow(2, 0, start + t));
    }

    /// <summary>Rolls every layer back to at most <paramref name="length"/> tokens (rejected drafts vanish).</summary>
    public void Truncate(int length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        for (int i = 0; i < Layers; i++) _lengths[i] = Math.Min(_lengths[i], length);
    }

    /// <summary>Rolls the layers in [from, to) back to at most <paramref name="length"/> tokens.</summary>
    public void Truncate(int length, int from, int to)
    {
        for (int i = from; i < to; i++) _lengths[i] = Math.Min(_lengths[i], length);
    }

    /// <summary>Cached keys of a layer (a view over the filled part).</summary>
    public Tensor KeysOf(int layer) => _keys[layer].narrow(2, 0, _lengths[layer]);

    /// <summary>Cached values of a layer (a view over the filled part).</summary>
    public Tensor ValuesOf(int layer) => _values[layer].narrow(2, 0, _lengths[layer]);

    /// <summary>Keeps only the cached entries at <paramref name="indices"/> of a layer, compacted to the front in the
    /// given order: [n] for every head, or [B, kvHeads, n] per head (SnapKV-style eviction). The kept keys carry the
    /// rotary positions they were cached with, so later tokens must be run at explicit positions.</summary>
    public void Keep(int layer, Tensor indices)
    {
        using var scope = NewDisposeScope();
        var keys = _keys[layer];
        long b = keys.shape[0], h = keys.shape[1], d = keys.shape[3];
        var index = indices.dim() == 1 ? indices.view(1, 1, -1).expand(b, h, indices.shape[0]) : indices;
        long n = index.shape[2];
        if (n > _lengths[layer] || (n > 0 && index.max().item<long>() >= _lengths[layer]))
            throw new ArgumentException($"layer {layer} holds {_lengths[layer]} tokens; cannot keep indices up to {(n > 0 ? index.max().item<long>() : 0)} ({n} of them)");
        var gather = index.unsqueeze(-1).expand(b, h, n, d);
        var k = keys.narrow(2, 0, _lengths[layer]).gather(2, gather);
        var v = _values[layer].narrow(2, 0, _lengths[layer]).gather(2, gather);
        keys.narrow(2, 0, n).copy_(k);
        _values[layer].narrow(2, 0, n).copy_(v);
        _lengths[layer] = (int)n;
    }

    /// <summary>Frees the buffers.</summary>
    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
