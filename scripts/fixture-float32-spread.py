#!/usr/bin/env python3
"""How close can any float32 T5 get to the float64 reference fixtures (shared/fixtures/t5)?

An independent NumPy port of the Hugging Face T5 forward pass (enough for the fixtures: teacher-forced logits,
PEFT LoRA merged in float64). It prints, per fixture case, the largest |logits - reference| of
  - the port in float64 (checks the port itself: ~1e-13),
  - the port in float32 with NumPy's own matmul,
  - the port in float32 with every matrix product accumulated sequentially in a random order of the
    contracted index, over 12 orders: all of them are correct float32 implementations of the same model.
The spread of the last line is the float32 error a correct engine can expect on these fixtures; it is why
tests/unit/engine/t5-fixtures.test.ts cannot hold every logit to 1e-4 (README, "Numerical accuracy").

Usage: python3 scripts/fixture-float32-spread.py [path/to/shared/fixtures/t5]   (needs numpy only)
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np

FIXTURES = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / 'shared' / 'fixtures' / 't5'
ORDERS = 12


def read_safetensors(path):
    raw = path.read_bytes()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for key, meta in header.items():
        if key == '__metadata__':
            continue
        start, end = meta['data_offsets']
        out[key] = np.frombuffer(raw[8 + n + start:8 + n + end], dtype=np.float32).reshape(meta['shape'])
    return out


def position_bucket(relative, bidirectional, buckets, max_distance):
    n = -relative
    result = np.zeros_like(n)
    if bidirectional:
        buckets //= 2
        result = (n < 0).astype(np.int64) * buckets
        n = np.abs(n)
    else:
        n = np.maximum(n, 0)
    exact = buckets // 2
    with np.errstate(divide='ignore'):
        large = exact + (np.log(np.maximum(n, 1) / exact) / np.log(max_distance / exact) * (buckets - exact)).astype(np.int64)
    return result + np.where(n < exact, n, np.minimum(large, buckets - 1))


def sequential_matmul(rng):
    """a @ b accumulated one contracted index at a time, in a random order, rounding to float32 each time."""
    def matmul(a, b):
        acc = np.zeros(a.shape[:-1] + b.shape[-1:], np.float32)
        for i in rng.permutation(a.shape[-1]):
            acc = (acc + a[..., i:i + 1] * b[..., i:i + 1, :]).astype(np.float32)
        return acc
    return matmul


def logits(folder, dtype, with_lora, matmul=np.matmul):
    cfg = json.loads((folder / 'config.json').read_text())
    w = {k: v.astype(dtype) for k, v in read_safetensors(folder / 'model.safetensors').items()}
    if with_lora:
        lora = read_safetensors(folder / 'adapter_model.safetensors')
        adapter = json.loads((folder / 'adapter_config.json').read_text())
        scale = adapter['lora_alpha'] / adapter['r']
        for key in lora:
            if '.lora_A.' in key:
                target = key.replace('base_model.model.', '').replace('.lora_A.weight', '.weight')
                delta = scale * (lora[key.replace('lora_A', 'lora_B')].astype(np.float64) @ lora[key].astype(np.float64))
                w[target] = (w[target].astype(np.float64) + delta).astype(dtype)
    inputs = json.loads((folder / 'expected.json').read_text())['inputs']
    ids, attention, decoder_ids = (np.array(inputs[k]) for k in ('input_ids', 'attention_mask', 'decoder_input_ids'))
    heads, d_kv, eps = cfg['num_heads'], cfg['d_kv'], dtype(cfg['layer_norm_epsilon'])
    buckets, distance = cfg['relative_attention_num_buckets'], cfg['relative_attention_max_distance']
    lowest = np.finfo(dtype).min

    def norm(x, scale):
        return (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps)).astype(dtype) * scale

    def split(x):
        return x.reshape(x.shape[0], x.shape[1], heads, d_kv).transpose(0, 2, 1, 3)

    def attention_block(x, memory, prefix, bias):
        q, k, v = (split(matmul(src, w[f'{prefix}{p}.weight'].T)) for src, p in ((x, 'q'), (memory, 'k'), (memory, 'v')))
        scores = matmul(q, k.transpose(0, 1, 3, 2)) + bias
        e = np.exp(scores - scores.max(-1, keepdims=True))
        context = matmul(e / e.sum(-1, keepdims=True), v).transpose(0, 2, 1, 3).reshape(x.shape[0], x.shape[1], -1)
        return matmul(context, w[f'{prefix}o.weight'].T)

    def feed_forward(x, prefix):
        if cfg['feed_forward_proj'] == 'gated-gelu':
            g = matmul(x, w[prefix + 'wi_0.weight'].T)
            g = dtype(0.5) * g * (dtype(1) + np.tanh(dtype(np.sqrt(2 / np.pi)) * (g + dtype(0.044715) * g ** 3)))
            return matmul(g * matmul(x, w[prefix + 'wi_1.weight'].T), w[prefix + 'wo.weight'].T)
        return matmul(np.maximum(matmul(x, w[prefix + 'wi.weight'].T), 0), w[prefix + 'wo.weight'].T)

    def relative_bias(table, queries, keys, bidirectional):
        relative = np.arange(keys)[None, :] - np.arange(queries)[:, None]
        return w[table][position_bucket(relative, bidirectional, buckets, distance)].transpose(2, 0, 1)[None]

    padding = ((1 - attention)[:, None, None, :] * lowest).astype(dtype)
    x = w['shared.weight'][ids]
    bias = relative_bias('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', ids.shape[1], ids.shape[1], True) + padding
    for layer in range(cfg['num_layers']):
        p = f'encoder.block.{layer}.layer.'
        h = norm(x, w[p + '0.layer_norm.weight'])
        x = x + attention_block(h, h, p + '0.SelfAttention.', bias)
        x = x + feed_forward(norm(x, w[p + '1.layer_norm.weight']), p + '1.DenseReluDense.')
    encoded = norm(x, w['encoder.final_layer_norm.weight'])
    t = decoder_ids.shape[1]
    causal = (np.triu(np.ones((t, t)), 1)[None, None] * lowest).astype(dtype)
    self_bias = relative_bias('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', t, t, False) + causal
    y = w['shared.weight'][decoder_ids]
    for layer in range(cfg['num_decoder_layers']):
        p = f'decoder.block.{layer}.layer.'
        h = norm(y, w[p + '0.layer_norm.weight'])
        y = y + attention_block(h, h, p + '0.SelfAttention.', self_bias)
        y = y + attention_block(norm(y, w[p + '1.layer_norm.weight']), encoded, p + '1.EncDecAttention.', padding)
        y = y + feed_forward(norm(y, w[p + '2.layer_norm.weight']), p + '2.DenseReluDense.')
    y = norm(y, w['decoder.final_layer_norm.weight'])
    if cfg['tie_word_embeddings']:
        return matmul(y * dtype(cfg['d_model'] ** -0.5), w['shared.weight'].T)
    return matmul(y, w['lm_head.weight'].T)


for folder in sorted(p for p in FIXTURES.iterdir() if (p / 'expected.json').exists()):
    expected = json.loads((folder / 'expected.json').read_text())
    for case in ('base', 'with_lora'):
        if case not in expected:
            continue
        reference = np.array(expected[case]['logits'])
        lora = case == 'with_lora'
        error = lambda dtype, **kw: np.abs(logits(folder, dtype, lora, **kw) - reference).max()
        spread = sorted(error(np.float32, matmul=sequential_matmul(np.random.RandomState(seed))) for seed in range(ORDERS))
        print(f'{folder.name} {case}: float64 {error(np.float64):.1e} | float32 numpy {error(np.float32):.1e} | '
              f'float32, {ORDERS} accumulation orders: min {spread[0]:.1e}, median {np.median(spread):.1e}, max {spread[-1]:.1e}')
