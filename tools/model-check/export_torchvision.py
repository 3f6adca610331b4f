#!/usr/bin/env python3
"""Exports one torchvision classifier (random weights, randomised BatchNorm statistics) for tools/model-check.sh.

    python3 export_torchvision.py NAME OUT_DIR [--pth]

Writes into OUT_DIR/<torch major.minor>/:
  model-opset<N>-<static|dynamic>.onnx   torch.onnx.export at the opsets of this PyTorch version (1.13: 11 static and 13
                                         dynamic H/W; 2.x: 17 dynamic and 18 static), TorchScript exporter
  weights.pth                            with --pth: torch.save(model.state_dict())
  x224.bin, y224.bin, x451x300.bin, y451x300.bin   input (float32 N×3×H×W) and PyTorch's logits, little-endian
  meta.json                              shapes, files, export errors
The same seed gives the same weights in both PyTorch versions only for identical architectures, so each version's
exports are compared with that version's own outputs.
"""
import json
import os
import sys
import traceback

import torch
import torchvision


def build(name):
    torch.manual_seed(0)
    kwargs = {}
    if name in ('googlenet', 'inception_v3'):
        kwargs = dict(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(weights=None, **kwargs)
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        # torchvision zero-initialises some tensors (ViT's head and class token, layer scales): random values instead,
        # so that the logits check compares something.
        for parameter in model.parameters():
            if parameter.numel() > 1 and not parameter.any():
                parameter.copy_(torch.randn(parameter.shape, generator=gen) * 0.02)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=gen) * 0.1)
            module.running_var.copy_(torch.rand(module.running_var.shape, generator=gen) + 0.5)
    return model.eval()


def sine_input(height, width):
    c = torch.arange(3).view(3, 1, 1)
    h = torch.arange(height).view(1, height, 1)
    w = torch.arange(width).view(1, 1, width)
    return torch.sin(0.01 * (c * 10007 + h * 131 + w)).float().unsqueeze(0).contiguous()


def save(path, t):
    t.detach().contiguous().numpy().astype('<f4').tofile(path)


def main():
    name, out = sys.argv[1], sys.argv[2]
    version = '.'.join(torch.__version__.split('.')[:2])
    folder = os.path.join(out, version)
    os.makedirs(folder, exist_ok=True)
    meta = dict(name=name, torch=torch.__version__, torchvision=torchvision.__version__, variants=[], samples=[])
    try:
        model = build(name)
    except Exception as e:  # the architecture does not exist in this torchvision version
        meta['build_error'] = f'{type(e).__name__}: {e}'
        json.dump(meta, open(os.path.join(folder, 'meta.json'), 'w'), indent=1)
        return
    with torch.no_grad():
        for height, width in ((224, 224), (300, 451)):
            tag = f'{width}x{height}' if (height, width) != (224, 224) else '224'
            x = sine_input(height, width)
            try:
                y = model(x)
            except Exception as e:
                meta['samples'].append(dict(tag=tag, error=f'{type(e).__name__}: {e}'))
                continue
            save(os.path.join(folder, f'x{tag}.bin'), x)
            save(os.path.join(folder, f'y{tag}.bin'), y)
            meta['samples'].append(dict(tag=tag, input=list(x.shape), output=list(y.shape), x=f'x{tag}.bin', y=f'y{tag}.bin'))
    if '--pth' in sys.argv:
        torch.save(model.state_dict(), os.path.join(folder, 'weights.pth'))
        meta['pth'] = 'weights.pth'
    opsets = [(11, False), (13, True)] if torch.__version__.startswith('1.') else [(17, True), (18, False)]
    for opset, dynamic in opsets:
        file = f'model-opset{opset}-{"dynamic" if dynamic else "static"}.onnx'
        variant = dict(file=file, opset=opset, dynamic=dynamic)
        try:
            kwargs = {}
            if not torch.__version__.startswith('1.'):
                kwargs['dynamo'] = False
            torch.onnx.export(model, sine_input(224, 224), os.path.join(folder, file), opset_version=opset,
                              input_names=['input'], output_names=['logits'], do_constant_folding=True,
                              dynamic_axes={'input': {2: 'height', 3: 'width'}} if dynamic else None, **kwargs)
        except Exception as e:
            variant['export_error'] = f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'
            traceback.print_exc()
        meta['variants'].append(variant)
    json.dump(meta, open(os.path.join(folder, 'meta.json'), 'w'), indent=1)


if __name__ == '__main__':
    main()
