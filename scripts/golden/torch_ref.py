#!/usr/bin/env python3
# The project's copy of the shared PyTorch reference (kept here so that a clone can regenerate its golden fixtures:
# scripts/golden/make-fixtures.sh and make-shipped-golden.sh).
"""Independent PyTorch reference for triggerfish: the same models, the same steps, for golden values and
speed ratios. Pure PyTorch (no transformers): reads a Hugging Face folder (config.json + model.safetensors)
of model_type gpt2, llama or qwen2.

  torch_ref.py make  --arch gpt2|llama|qwen2 --out DIR [--d 256 --layers 6 --heads 8 --kv-heads 4 --vocab 4096 --ctx 256 --seed 0 --dtype F32|F16|BF16]
  torch_ref.py logits DIR --ids 1,2,3          -> JSON {"logits": [[...]], "hidden": [...]} (f32)
  torch_ref.py [--threads N] bench  DIR [--prompt-len 32 --optim-len 20 --target-len 8 --width 512 --batch 128 --steps 3 --prefix-cache 1]
                                               -> JSON lines: ms per MELBO step, per GCG step, forward tokens/s

Install on Debian: apt-get install python3-torch libopenblas0-pthread (OpenBLAS makes it ~35x faster than
the generic BLAS). Run with /usr/bin/python3.
"""
import argparse, json, math, os, struct, sys, time
import torch
import torch.nn.functional as F

DT = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
DT_NAME = {v: k for k, v in DT.items()}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + a:base + b]), dtype=DT[info["dtype"]])
        out[name] = t.reshape(info["shape"]).float()
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.view(torch.uint8).numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": DT_NAME[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class Model:
    """Forward pass of gpt2 / llama / qwen2 with a steering hook and input embeddings."""

    def __init__(self, folder):
        self.cfg = json.load(open(os.path.join(folder, "config.json")))
        w = read_safetensors(os.path.join(folder, "model.safetensors"))
        self.w = {k[len("transformer."):] if k.startswith("transformer.") else k: v for k, v in w.items()}
        c = self.cfg
        self.arch = c["model_type"]
        if self.arch == "gpt2":
            self.L, self.D, self.H = c["n_layer"], c["n_embd"], c["n_head"]
            self.KV = self.H
            self.E = self.w["wte.weight"]
            self.head = self.w.get("lm_head.weight", self.E)
        else:
            self.L, self.D, self.H = c["num_hidden_layers"], c["hidden_size"], c["num_attention_heads"]
            self.KV = c.get("num_key_value_heads", self.H)
            self.E = self.w["model.embed_tokens.weight"]
            self.head = self.w.get("lm_head.weight", self.E)
        self.hd = c.get("head_dim") or self.D // self.H
        for v in self.w.values():
            v.requires_grad_(False)

    def embed(self, ids):
        return F.embedding(ids, self.E)

    def _rope(self, x, pos):  # x [B, h, T, hd]
        theta = self.cfg.get("rope_theta", 10000.0)
        inv = 1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd))
        f = pos[:, None].float() * inv[None, :]
        emb = torch.cat([f, f], -1)
        cos, sin = emb.cos(), emb.sin()
        x1, x2 = x[..., : self.hd // 2], x[..., self.hd // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def _attn(self, q, k, v):  # q [B, h, T, hd], k/v [B, kv, P+T, hd]; causal with P cached positions
        if self.KV != self.H:
            rep = self.H // self.KV
            k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        T, S = q.shape[2], k.shape[2]
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
        att = att.masked_fill(torch.ones(T, S, dtype=torch.bool).triu(S - T + 1), float("-inf"))
        return att.softmax(-1) @ v

    def _cat(self, past, l, k, v):  # prepend cached keys/values of layer l (batch 1, broadcast)
        if past is None:
            return k, v
        pk, pv = past[l]
        B = k.shape[0]
        return torch.cat([pk.expand(B, -1, -1, -1), k], 2), torch.cat([pv.expand(B, -1, -1, -1), v], 2)

    def forward(self, embeds, steer=None, stop_at=None, past=None, kv_out=None):
        """embeds [B, T, D]; steer = (layer, vec) adds vec at blocks.{layer}.hook_resid_post;
        stop_at = t returns hidden_states[t]; past = per-layer (k, v) of a cached prefix (batch 1);
        kv_out = a list that receives this call's per-layer (k, v). Returns logits, hidden_states list."""
        B, T, _ = embeds.shape
        w, hs = self.w, []
        P = 0 if past is None else past[0][0].shape[2]
        pos = torch.arange(P, P + T)
        x = embeds + (w["wpe.weight"][P:P + T] if self.arch == "gpt2" else 0)
        for l in range(self.L):
            hs.append(x)
            if stop_at == l:
                return None, hs
            if self.arch == "gpt2":
                p = f"h.{l}."
                h = F.layer_norm(x, (self.D,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], self.cfg.get("layer_norm_epsilon", 1e-5))
                qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
                q, k, v = qkv.split(self.D, -1)
                q, k, v = [t.view(B, T, self.H, self.hd).transpose(1, 2) for t in (q, k, v)]
                if kv_out is not None:
                    kv_out.append((k, v))
                k, v = self._cat(past, l, k, v)
                o = self._attn(q, k, v).transpose(1, 2).reshape(B, T, self.D)
                x = x + o @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
                h = F.layer_norm(x, (self.D,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], self.cfg.get("layer_norm_epsilon", 1e-5))
                m = F.gelu(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"], approximate="tanh")
                x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
            else:
                p = f"model.layers.{l}."
                eps = self.cfg.get("rms_norm_eps", 1e-6)
                h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w[p + "input_layernorm.weight"]

                def lin(name, t):
                    y = t @ w[p + name + ".weight"].T
                    return y + w[p + name + ".bias"] if (p + name + ".bias") in w else y
                q = lin("self_attn.q_proj", h).view(B, T, self.H, self.hd).transpose(1, 2)
                k = lin("self_attn.k_proj", h).view(B, T, self.KV, self.hd).transpose(1, 2)
                v = lin("self_attn.v_proj", h).view(B, T, self.KV, self.hd).transpose(1, 2)
                q, k = self._rope(q, pos), self._rope(k, pos)
                if kv_out is not None:
                    kv_out.append((k, v))
                k, v = self._cat(past, l, k, v)
                o = self._attn(q, k, v).transpose(1, 2).reshape(B, T, self.H * self.hd)
                x = x + lin("self_attn.o_proj", o)
                h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w[p + "post_attention_layernorm.weight"]
                x = x + lin("mlp.down_proj", F.silu(lin("mlp.gate_proj", h)) * lin("mlp.up_proj", h))
            if steer is not None and steer[0] == l:
                x = x + steer[1]
        if self.arch == "gpt2":
            x_out = F.layer_norm(x, (self.D,), w["ln_f.weight"], w["ln_f.bias"], self.cfg.get("layer_norm_epsilon", 1e-5))
        else:
            eps = self.cfg.get("rms_norm_eps", 1e-6)
            x_out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w["model.norm.weight"]
        hs.append(x_out)
        if stop_at == self.L:
            return None, hs
        return x_out @ self.head.T, hs


def make(args):
    torch.manual_seed(args.seed)
    d, L, V, H = args.d, args.layers, args.vocab, args.heads
    std = 0.02
    r = lambda *s: torch.randn(*s) * std
    t = {}
    if args.arch == "gpt2":
        cfg = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": L, "n_embd": d, "n_head": H,
               "vocab_size": V, "n_positions": args.ctx, "n_ctx": args.ctx, "layer_norm_epsilon": 1e-5,
               "activation_function": "gelu_new", "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0}
        t["transformer.wte.weight"], t["transformer.wpe.weight"] = r(V, d), r(args.ctx, d)
        for l in range(L):
            p = f"transformer.h.{l}."
            t[p + "ln_1.weight"], t[p + "ln_1.bias"] = 1 + r(d), r(d)
            t[p + "attn.c_attn.weight"], t[p + "attn.c_attn.bias"] = r(d, 3 * d), r(3 * d)
            t[p + "attn.c_proj.weight"], t[p + "attn.c_proj.bias"] = r(d, d), r(d)
            t[p + "ln_2.weight"], t[p + "ln_2.bias"] = 1 + r(d), r(d)
            t[p + "mlp.c_fc.weight"], t[p + "mlp.c_fc.bias"] = r(d, 4 * d), r(4 * d)
            t[p + "mlp.c_proj.weight"], t[p + "mlp.c_proj.bias"] = r(4 * d, d), r(d)
        t["transformer.ln_f.weight"], t["transformer.ln_f.bias"] = 1 + r(d), r(d)
    else:
        kv, hd, ff = args.kv_heads, d // H, args.ff or int(8 * d / 3 // 64 * 64) or 4 * d
        cfg = {"model_type": args.arch, "architectures": ["LlamaForCausalLM" if args.arch == "llama" else "Qwen2ForCausalLM"],
               "num_hidden_layers": L, "hidden_size": d, "num_attention_heads": H, "num_key_value_heads": kv,
               "intermediate_size": ff, "vocab_size": V, "max_position_embeddings": args.ctx, "rms_norm_eps": 1e-6,
               "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": args.arch == "qwen2",
               "bos_token_id": 0, "eos_token_id": 0}
        t["model.embed_tokens.weight"] = r(V, d)
        for l in range(L):
            p = f"model.layers.{l}."
            t[p + "input_layernorm.weight"], t[p + "post_attention_layernorm.weight"] = 1 + r(d), 1 + r(d)
            t[p + "self_attn.q_proj.weight"], t[p + "self_attn.k_proj.weight"] = r(H * hd, d), r(kv * hd, d)
            t[p + "self_attn.v_proj.weight"], t[p + "self_attn.o_proj.weight"] = r(kv * hd, d), r(d, H * hd)
            if args.arch == "qwen2":
                t[p + "self_attn.q_proj.bias"], t[p + "self_attn.k_proj.bias"], t[p + "self_attn.v_proj.bias"] = r(H * hd), r(kv * hd), r(kv * hd)
            t[p + "mlp.gate_proj.weight"], t[p + "mlp.up_proj.weight"], t[p + "mlp.down_proj.weight"] = r(ff, d), r(ff, d), r(d, ff)
        t["model.norm.weight"] = 1 + r(d)
        if args.arch == "llama":
            t["lm_head.weight"] = r(V, d)
    os.makedirs(args.out, exist_ok=True)
    json.dump(cfg, open(os.path.join(args.out, "config.json"), "w"), indent=2)
    write_safetensors(os.path.join(args.out, "model.safetensors"), {k: v.to(DT[args.dtype]) for k, v in t.items()})
    print(json.dumps({"made": args.out, "params": sum(v.numel() for v in t.values())}))


def logits(args):
    m = Model(args.dir)
    ids = torch.tensor([[int(i) for i in args.ids.split(",")]])
    with torch.no_grad():
        lg, hs = m.forward(m.embed(ids))
    print(json.dumps({"logits": lg[0].tolist(), "hidden": [h[0].tolist() for h in hs]}))


def bench(args):
    torch.manual_seed(0)
    m = Model(args.dir)
    V, P, O, Tt = m.E.shape[0], args.prompt_len, args.optim_len, args.target_len
    prompt, optim, target = (torch.randint(0, V, (n,)) for n in (P, O, Tt))
    s, t = min(7, m.L - 1), max(1, m.L - 8) if m.L > 8 else m.L
    ids = torch.cat([prompt, optim, target])[None]
    emb = m.embed(ids)
    R = 4.0

    def timed(fn, n):
        fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n * 1000

    # MELBO step: forward clean once (cached), forward steered, loss, backward wrt theta.
    with torch.no_grad():
        _, h0 = m.forward(emb, stop_at=t)
    theta = (torch.randn(m.D) * R / math.sqrt(m.D)).requires_grad_(True)

    def melbo():
        _, h = m.forward(emb, steer=(s, theta), stop_at=t)
        loss = -(h[t] - h0[t]).norm(dim=-1).pow(2).sum()
        g, = torch.autograd.grad(loss, theta)
        return g
    print(json.dumps({"bench": "melbo_step_ms", "value": timed(melbo, args.steps), "tokens": ids.shape[1], "threads": torch.get_num_threads()}))

    # GCG step (logit target): one-hot gradient, then width candidates scored in batches (no prefix cache).
    def gcg():
        one_hot = F.one_hot(optim, V).float().requires_grad_(True)
        e = torch.cat([m.embed(prompt[None]), (one_hot @ m.E)[None], m.embed(target[None])], 1)
        lg, _ = m.forward(e)
        loss = F.cross_entropy(lg[0, P + O - 1:P + O + Tt - 1], target)
        g, = torch.autograd.grad(loss, one_hot)
        top = (-g).topk(256, dim=1).indices
        pos = torch.randint(0, O, (args.width,))
        cand = optim.repeat(args.width, 1)
        cand[torch.arange(args.width), pos] = top[pos, torch.randint(0, 256, (args.width,))]
        losses = []
        with torch.no_grad():
            if args.prefix_cache:  # as nanoGCG (use_prefix_cache=True): the prompt's keys/values once
                past = []
                m.forward(m.embed(prompt[None]), kv_out=past)
            for i in range(0, args.width, args.batch):
                c = cand[i:i + args.batch]
                b = c.shape[0]
                if args.prefix_cache:
                    lg, _ = m.forward(m.embed(torch.cat([c, target.repeat(b, 1)], 1)), past=past)
                    lg = lg[:, O - 1:O + Tt - 1]
                else:
                    lg, _ = m.forward(m.embed(torch.cat([prompt.repeat(b, 1), c, target.repeat(b, 1)], 1)))
                    lg = lg[:, P + O - 1:P + O + Tt - 1]
                losses.append(F.cross_entropy(lg.reshape(-1, V), target.repeat(b), reduction="none").view(b, Tt).mean(1))
        return torch.cat(losses).argmin()
    print(json.dumps({"bench": "gcg_step_ms", "value": timed(gcg, args.steps), "width": args.width, "batch": args.batch, "tokens": ids.shape[1], "prefix_cache": bool(args.prefix_cache)}))

    with torch.no_grad():
        x = torch.randint(0, V, (args.batch, ids.shape[1]))
        ms = timed(lambda: m.forward(m.embed(x)), args.steps)
    print(json.dumps({"bench": "forward_tokens_per_s", "value": args.batch * ids.shape[1] / ms * 1000}))


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest="cmd", required=True)
    a = sp.add_parser("make")
    a.add_argument("--arch", required=True, choices=["gpt2", "llama", "qwen2"])
    a.add_argument("--out", required=True)
    for k, v in [("d", 256), ("layers", 6), ("heads", 8), ("kv_heads", 4), ("vocab", 4096), ("ctx", 256), ("seed", 0), ("ff", 0)]:
        a.add_argument("--" + k.replace("_", "-"), type=int, default=v, dest=k)
    a.add_argument("--dtype", default="F32", choices=list(DT))
    b = sp.add_parser("logits")
    b.add_argument("dir")
    b.add_argument("--ids", required=True)
    c = sp.add_parser("bench")
    c.add_argument("dir")
    for k, v in [("prompt_len", 32), ("optim_len", 20), ("target_len", 8), ("width", 512), ("batch", 128), ("steps", 3), ("prefix_cache", 1)]:
        c.add_argument("--" + k.replace("_", "-"), type=int, default=v, dest=k)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    {"make": make, "logits": logits, "bench": bench}[args.cmd](args)


if __name__ == "__main__":
    main()
