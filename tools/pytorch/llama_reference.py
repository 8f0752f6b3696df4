#!/usr/bin/env python3
"""An independent Llama reference in PyTorch, written from the Hugging Face conventions (not from our C# code).

  make DIR [--layers N --dim D --heads H --kv-heads K --hidden F --vocab V --tied --dtype float32|float16|bfloat16
            --shards S --seed X] [--prompt 1,2,3 [--new N]]
      writes a random Llama checkpoint in the HF layout (config.json, model.safetensors or shards plus
      model.safetensors.index.json) with its own safetensors writer; with --prompt, then does what run does.
  run DIR --prompt 1,2,3 [--new N]
      prints JSON: {"logits": [[...] per prompt position], "greedy": [N ids]} computed in float32, no KV cache.

  bench DIR --prompt-len P --new N --threads T --repeats R
      times prefill and greedy KV-cache decoding of the same checkpoint in PyTorch eager, with the same algorithm
      as Workbench (static KV cache buffers, one token per call); prints JSON with tokens/s and the ids generated.

Needs only torch and numpy (Debian: python3-torch). Used by tests/Workbench.Tests/LM/ParityTests.cs (parity) and by
`workbench bench decode` (the PyTorch side of the side-by-side benchmark).
"""
import argparse, json, math, os, struct, sys
import numpy as np
import torch

DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2)}


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        raw = data[a:b]
        if e["dtype"] == "BF16":  # bfloat16 = the top half of a float32
            u = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[e["dtype"]][0]).astype(np.float32)
        out[name] = torch.from_numpy(arr.copy()).reshape(e["shape"])
    return out


def write_safetensors(path, tensors, dtype):
    code = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}[dtype]
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if dtype == "bfloat16":
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().tobytes()
        elif dtype == "float16":
            raw = t.to(torch.float16).numpy().tobytes()
        else:
            raw = t.to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load(dir):
    cfg = json.load(open(os.path.join(dir, "config.json")))
    single = os.path.join(dir, "model.safetensors")
    if os.path.exists(single):
        w = read_safetensors(single)
    else:
        index = json.load(open(os.path.join(dir, "model.safetensors.index.json")))
        w = {}
        for shard in sorted(set(index["weight_map"].values())):
            w.update(read_safetensors(os.path.join(dir, shard)))
    return cfg, w


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def forward(cfg, w, ids):
    """Logits [T, V] for a 1-D list of ids, recomputing the whole sequence."""
    d, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd, eps, T = d // nh, cfg["rms_norm_eps"], len(ids)
    inv_freq = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos().float(), emb.sin().float()
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    mask = torch.full((T, T), float("-inf")).triu(1)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(T, nh, hd).transpose(0, 1)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(T, nkv, hd).transpose(0, 1)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(T, nkv, hd).transpose(0, 1)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        rep = nh // nkv  # each key/value head serves `rep` consecutive query heads
        k = k[:, None].expand(nkv, rep, T, hd).reshape(nh, T, hd)
        v = v[:, None].expand(nkv, rep, T, hd).reshape(nh, T, hd)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + mask, dim=-1)
        x = x + (att @ v).transpose(0, 1).reshape(T, d) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = torch.nn.functional.silu(h @ w[p + "mlp.gate_proj.weight"].T)
        x = x + (gate * (h @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T


class CachedLlama:
    """The same forward as `forward`, with a static KV cache, for timing decode the way Workbench does it."""

    def __init__(self, cfg, w, capacity):
        self.cfg, self.w = cfg, w
        d, self.nh = cfg["hidden_size"], cfg["num_attention_heads"]
        self.nkv = cfg.get("num_key_value_heads", self.nh)
        self.hd, self.eps, self.d = d // self.nh, cfg["rms_norm_eps"], d
        inv_freq = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, self.hd, 2, dtype=torch.float64) / self.hd))
        emb = torch.cat([torch.outer(torch.arange(capacity, dtype=torch.float64), inv_freq)] * 2, dim=-1)
        self.cos, self.sin = emb.cos().float(), emb.sin().float()
        L = cfg["num_hidden_layers"]
        self.k = [torch.zeros(self.nkv, capacity, self.hd) for _ in range(L)]
        self.v = [torch.zeros(self.nkv, capacity, self.hd) for _ in range(L)]
        self.length = 0
        self.head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]

    def step(self, ids):
        w, T, start = self.w, len(ids), self.length
        cos, sin = self.cos[start:start + T], self.sin[start:start + T]
        x = w["model.embed_tokens.weight"][torch.tensor(ids)]
        S = start + T
        mask = torch.full((T, S), float("-inf")).triu(start + 1) if T > 1 else None
        rep = self.nh // self.nkv
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            h = rms_norm(x, w[p + "input_layernorm.weight"], self.eps)
            q = (h @ w[p + "self_attn.q_proj.weight"].T).view(T, self.nh, self.hd).transpose(0, 1)
            k = (h @ w[p + "self_attn.k_proj.weight"].T).view(T, self.nkv, self.hd).transpose(0, 1)
            v = (h @ w[p + "self_attn.v_proj.weight"].T).view(T, self.nkv, self.hd).transpose(0, 1)
            q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
            self.k[i][:, start:S] = k
            self.v[i][:, start:S] = v
            kk, vv = self.k[i][:, :S], self.v[i][:, :S]
            if rep > 1:
                kk, vv = kk.repeat_interleave(rep, dim=0), vv.repeat_interleave(rep, dim=0)
            scores = q @ kk.transpose(1, 2) / math.sqrt(self.hd)  # PyTorch 1.13 (Debian) has no fused SDPA
            att = torch.softmax(scores if mask is None else scores + mask, dim=-1) @ vv
            x = x + att.transpose(0, 1).reshape(T, self.d) @ w[p + "self_attn.o_proj.weight"].T
            h = rms_norm(x, w[p + "post_attention_layernorm.weight"], self.eps)
            gate = torch.nn.functional.silu(h @ w[p + "mlp.gate_proj.weight"].T)
            x = x + (gate * (h @ w[p + "mlp.up_proj.weight"].T)) @ w[p + "mlp.down_proj.weight"].T
        self.length = S
        return rms_norm(x, w["model.norm.weight"], self.eps) @ self.head.T


def bench(a):
    import time
    torch.set_num_threads(a.threads)
    cfg, w = load(a.dir)
    g = torch.Generator().manual_seed(0)
    prompt = torch.randint(0, cfg["vocab_size"], (a.prompt_len,), generator=g).tolist()
    best_prefill, best_decode, ids = float("inf"), float("inf"), []
    with torch.inference_mode():
        for _ in range(a.repeats):
            m = CachedLlama(cfg, w, a.prompt_len + a.new + 1)
            t0 = time.perf_counter()
            nxt = int(m.step(prompt)[-1].argmax())
            t1 = time.perf_counter()
            ids = [nxt]
            for _ in range(a.new - 1):
                ids.append(int(m.step([ids[-1]])[-1].argmax()))
            t2 = time.perf_counter()
            best_prefill, best_decode = min(best_prefill, t1 - t0), min(best_decode, t2 - t1)
    json.dump({"prompt": prompt, "generated": ids, "threads": torch.get_num_threads(), "torch": torch.__version__,
               "prefill_tokens_per_s": a.prompt_len / best_prefill,
               "decode_tokens_per_s": (a.new - 1) / best_decode}, sys.stdout)


def make(a):
    torch.manual_seed(a.seed)
    hd = a.dim // a.heads
    cfg = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": a.vocab, "hidden_size": a.dim,
           "intermediate_size": a.hidden, "num_hidden_layers": a.layers, "num_attention_heads": a.heads,
           "num_key_value_heads": a.kv_heads, "max_position_embeddings": 256, "rope_theta": 10000.0,
           "rms_norm_eps": 1e-5, "tie_word_embeddings": a.tied, "hidden_act": "silu", "torch_dtype": a.dtype}
    w = {"model.embed_tokens.weight": torch.randn(a.vocab, a.dim) * 0.5, "model.norm.weight": 1 + 0.1 * torch.randn(a.dim)}
    if not a.tied:
        w["lm_head.weight"] = torch.randn(a.vocab, a.dim) * 0.2
    for i in range(a.layers):
        p = f"model.layers.{i}."
        for name, shape in [("self_attn.q_proj", (a.heads * hd, a.dim)), ("self_attn.k_proj", (a.kv_heads * hd, a.dim)),
                            ("self_attn.v_proj", (a.kv_heads * hd, a.dim)), ("self_attn.o_proj", (a.dim, a.heads * hd)),
                            ("mlp.gate_proj", (a.hidden, a.dim)), ("mlp.up_proj", (a.hidden, a.dim)),
                            ("mlp.down_proj", (a.dim, a.hidden))]:
            w[p + name + ".weight"] = torch.randn(*shape) / math.sqrt(shape[1])
        w[p + "input_layernorm.weight"] = 1 + 0.1 * torch.randn(a.dim)
        w[p + "post_attention_layernorm.weight"] = 1 + 0.1 * torch.randn(a.dim)
    os.makedirs(a.dir, exist_ok=True)
    json.dump(cfg, open(os.path.join(a.dir, "config.json"), "w"), indent=2)
    names = sorted(w)
    if a.shards <= 1:
        write_safetensors(os.path.join(a.dir, "model.safetensors"), w, a.dtype)
    else:
        weight_map = {}
        for s in range(a.shards):
            part = names[s::a.shards]
            fname = f"model-{s + 1:05d}-of-{a.shards:05d}.safetensors"
            write_safetensors(os.path.join(a.dir, fname), {n: w[n] for n in part}, a.dtype)
            weight_map.update({n: fname for n in part})
        json.dump({"metadata": {}, "weight_map": weight_map}, open(os.path.join(a.dir, "model.safetensors.index.json"), "w"))


def run(a):
    cfg, w = load(a.dir)
    ids = [int(x) for x in a.prompt.split(",")]
    with torch.no_grad():
        logits = forward(cfg, w, ids)
        seq = list(ids)
        for _ in range(a.new):
            seq.append(int(forward(cfg, w, seq)[-1].argmax()))
    json.dump({"logits": logits.tolist(), "greedy": seq[len(ids):]}, sys.stdout)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    for k, v in [("layers", 2), ("dim", 64), ("heads", 4), ("kv-heads", 2), ("hidden", 128), ("vocab", 97), ("shards", 1), ("seed", 0)]:
        m.add_argument("--" + k, type=int, default=v)
    m.add_argument("--tied", action="store_true")
    m.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    m.add_argument("--prompt")
    m.add_argument("--new", type=int, default=8)
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("--prompt", required=True)
    r.add_argument("--new", type=int, default=8)
    b = sub.add_parser("bench")
    b.add_argument("dir")
    for k, v in [("prompt-len", 32), ("new", 64), ("threads", 2), ("repeats", 3)]:
        b.add_argument("--" + k, type=int, default=v)
    a = ap.parse_args()
    if a.cmd == "bench":
        bench(a)
        sys.exit(0)
    if a.cmd == "make":
        make(a)
    if a.cmd == "run" or a.prompt:
        run(a)
