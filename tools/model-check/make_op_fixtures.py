#!/usr/bin/env python3
"""Writes the tiny ONNX fixtures of tests/DeepDream.Net.Tests/TestData/onnx-ops/ with PyTorch's outputs beside them.

Run once with PyTorch 1.13 and once with PyTorch 2.x (each writes its own files):

    python3 tools/model-check/make_op_fixtures.py OUT_DIR [NAME...]

Each fixture is a small module exercising one family of operators the importer gained for modern torchvision models,
exported with dynamic height and width at two or three opsets per PyTorch version (1.13: 11 and 13; 2.x: 17, 18 and 20, where Gelu is an operator; TorchScript
exporter). For each export it writes <name>-torch<ver>-opset<N>.onnx, and once per module and version the inputs
(x<tag>.bin) and PyTorch's outputs (y<tag>.bin) at two sizes, float32 little-endian, plus manifest-<ver>.json.
Weights are random (seeded) and BatchNorm statistics randomised.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class SqueezeExcite(nn.Module):
    """MobileNetV3: HardSwish, global average pool, HardSigmoid gate."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.reduce = nn.Conv2d(8, 4, 1)
        self.expand = nn.Conv2d(4, 8, 1)

    def forward(self, x):
        x = F.hardswish(self.bn(self.conv(x)))
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.expand(F.relu(self.reduce(s))))
        return x * s


class ChannelShuffle(nn.Module):
    """ShuffleNetV2: chunk (Split/Slice), concat, channel shuffle (Reshape, Transpose)."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.branch = nn.Conv2d(4, 4, 3, padding=1, groups=4)

    def forward(self, x):
        x = self.conv(x)
        a, b = x.chunk(2, dim=1)
        x = torch.cat((a, F.relu(self.branch(b))), dim=1)
        n, c, h, w = x.shape
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).contiguous().view(n, c, h, w)
        return x[:, :, 1:, ::2]


class MeanHead(nn.Module):
    """MNASNet / EfficientNet heads: ReduceMean over H and W, ReduceMax, ReduceSum."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, stride=2, padding=1)

    def forward(self, x):
        x = self.conv(x)
        return torch.cat((x.mean([2, 3]), x.amax(dim=(2, 3)), x.sum(dim=3).mean(2), x.pow(2).mean([2, 3]).sqrt()), dim=1)


class ConvNeXtBlock(nn.Module):
    """ConvNeXt: depthwise conv, permute, LayerNorm, Linear, GELU (Erf), layer scale, residual."""
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 2, stride=2)
        self.dw = nn.Conv2d(8, 8, 7, padding=3, groups=8)
        self.norm = nn.LayerNorm(8, eps=1e-6)
        self.fc1 = nn.Linear(8, 32)
        self.fc2 = nn.Linear(32, 8)
        self.scale = nn.Parameter(torch.rand(8))

    def forward(self, x):
        x = self.stem(x)
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.fc2(F.gelu(self.fc1(self.norm(y)))) * self.scale
        return x + y.permute(0, 3, 1, 2)


class Pads(nn.Module):
    """ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d (Pad, with pads folded from ConstantOfShape/Slice)."""
    def __init__(self):
        super().__init__()
        self.zero = nn.ZeroPad2d((1, 2, 3, 0))
        self.const = nn.ConstantPad2d((2, 0, 1, 1), 0.5)
        self.reflect = nn.ReflectionPad2d((1, 1, 2, 0))
        self.replicate = nn.ReplicationPad2d((0, 2, 1, 1))
        self.conv = nn.Conv2d(12, 4, 3)

    def forward(self, x):
        h, w = x.shape[2] + 2, x.shape[3] + 2
        a = self.zero(x)
        b = self.const(x)
        c = F.pad(self.reflect(x), (1, 1, 0, 1))
        d = F.pad(self.replicate(x), (0, 1, 1, 0))
        return self.conv(torch.cat([t[:, :, -h:, :w] for t in (a, b, c, d)], 1))


class InceptionPool(nn.Module):
    """Inception v3's pool branch: AvgPool2d(3, 1, padding=1) counting the padding (Pad + AveragePool from 1.13)."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)

    def forward(self, x):
        return self.conv(F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=True)) + F.max_pool2d(x, 3, 2, 1, ceil_mode=True).mean()


class Upsampling(nn.Module):
    """Resize/Upsample: nearest, bilinear with and without align_corners, bicubic."""
    def forward(self, x):
        h, w = x.shape[2] * 2, x.shape[3] * 2
        return torch.cat((F.interpolate(x, scale_factor=2.0, mode='nearest'),
                          F.interpolate(x, size=(h, w), mode='bilinear', align_corners=False),
                          F.interpolate(x, size=(h, w), mode='bilinear', align_corners=True),
                          F.interpolate(x, scale_factor=2.0, mode='bicubic', align_corners=False)), 1)


class Attention(nn.Module):
    """ViT/Swin-style attention: patches, class token (Expand, Concat), MatMul, Softmax, Einsum, LayerNorm."""
    def __init__(self):
        super().__init__()
        self.patch = nn.Conv2d(3, 8, 2, stride=2)
        self.token = nn.Parameter(torch.randn(1, 1, 8))
        self.qkv = nn.Linear(8, 24)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        n = x.shape[0]
        t = self.patch(x).flatten(2).transpose(1, 2)
        t = torch.cat((self.token.expand(n, -1, -1), t), dim=1)
        q, k, v = self.qkv(self.norm(t)).reshape(n, t.shape[1], 3, 2, 4).permute(2, 0, 3, 1, 4)
        attention = (q @ k.transpose(-2, -1) / 2.0).softmax(dim=-1)
        out = torch.einsum('bhqk,bhkd->bqhd', attention, v).reshape(n, t.shape[1], 8)
        return out[:, 1:].transpose(1, 2).reshape(n, 8, x.shape[2] // 2, x.shape[3] // 2)


class Masks(nn.Module):
    """Range, Equal/Less, Where, Expand, Cast to float16/bfloat16, Softplus, Elu, clamp."""
    def forward(self, x):
        w = x.shape[3]
        columns = torch.arange(w, device=x.device)
        mask = (columns % 2 == 0) & (columns < w - 1)
        y = torch.where(mask.expand_as(x), F.softplus(x * 3), F.elu(x - 0.5))
        half = x.to(torch.float16).to(torch.float32)
        brain = x.to(torch.bfloat16).to(torch.float32)
        return torch.cat((y, half - x, brain - x, x.clamp(0.2, 0.7)), 1)


class Elementwise(nn.Module):
    """Element-wise math: Abs, Ceil, Floor, Round, Sign, Sin, Cos, Exp, Log, Reciprocal, Max, Min, PRelu, Selu, Celu,
    Softsign, Mish (an operator from opset 18) and LogSoftmax."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.prelu = nn.PReLU(4)

    def forward(self, x):
        z = x * 7 - 3
        y = self.conv(x)
        return torch.cat((z.abs(), z.ceil(), z.floor(), z.round(), z.sign(), z.sin(), z.cos(), x.exp(),
                          (x.abs() + 0.1).log(), (x + 0.5).reciprocal(), torch.maximum(x, 1 - x), torch.minimum(x, 1 - x),
                          self.prelu(y), F.selu(y), F.celu(y, 0.7), F.softsign(y), F.mish(y), F.log_softmax(y, dim=1)), 1)


class Reductions(nn.Module):
    """ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSumExp, ArgMax, ArgMin, GlobalMaxPool, InstanceNormalization."""
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.norm = nn.InstanceNorm2d(4, affine=True)
        with torch.no_grad():
            self.norm.weight.uniform_(0.5, 1.5)
            self.norm.bias.uniform_(-0.5, 0.5)

    def forward(self, x):
        y = self.norm(self.conv(x))
        n = x.shape[0]
        vectors = (y.amin(dim=(2, 3)), (x + 0.5).prod(dim=1).mean(dim=(1, 2)).unsqueeze(1), y.norm(p=1, dim=(2, 3)),
                   y.norm(p=2, dim=(2, 3)), y.logsumexp(dim=3).mean(dim=2), F.adaptive_max_pool2d(y, 1).reshape(n, 4),
                   y.argmax(dim=1).float().mean(dim=(1, 2)).unsqueeze(1), y.argmin(dim=3).float().sum(dim=(1, 2)).unsqueeze(1))
        return torch.cat(vectors, 1)


class Logic(nn.Module):
    """Comparisons and logic: Greater, GreaterOrEqual, LessOrEqual, Not, Or, Xor, Where; GatherElements, Tile,
    ScatterElements and ScatterND (a slice assignment)."""
    def forward(self, x):
        a, b = x[:, :1], x[:, 1:2]
        mask = ((a > b) | (a <= 0.3)) ^ ~(b >= 0.6)
        picked = torch.where(mask, a, b * 2)
        index = (torch.arange(x.shape[3], device=x.device) % 3).view(1, 1, 1, -1).expand(x.shape[0], 1, x.shape[2], -1)
        gathered = torch.gather(x, 1, index)
        scattered = torch.zeros_like(x).scatter(1, index, gathered + 1)
        assigned = x.clone()
        assigned[:, :, 1:3, :] = 0.25
        tiled = x[:, :, :, :2].repeat(1, 1, 1, 2)
        return torch.cat((picked, gathered, scattered, assigned), 1) + tiled.mean()


class Legacy(nn.Module):
    """What PyTorch writes at opsets 9 and 10: Upsample (nearest, opset 9), Scatter, and Resize from opset 10."""
    def forward(self, x):
        index = torch.tensor([[[[0]], [[2]]]]).expand(x.shape[0], 2, x.shape[2], x.shape[3])
        scattered = x.scatter(1, index, x[:, :2] * 3)
        return F.interpolate(scattered, scale_factor=2.0, mode='nearest')


FIXTURES = {
    'squeeze_excite': SqueezeExcite,
    'channel_shuffle': ChannelShuffle,
    'mean_head': MeanHead,
    'convnext_block': ConvNeXtBlock,
    'pads': Pads,
    'inception_pool': InceptionPool,
    'upsampling': Upsampling,
    'attention': Attention,
    'masks': Masks,
    'elementwise': Elementwise,
    'reductions': Reductions,
    'logic': Logic,
    'legacy': Legacy,
}
# Fixtures exported at other opsets than the default ones of the PyTorch version.
OPSETS = {'legacy': {'1': [9, 10], '2': [9, 10]}}
SIZES = [(12, 10), (9, 14)]  # (height, width): the export size, then another


def randomise(model):
    gen = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=gen) * 0.1)
            module.running_var.copy_(torch.rand(module.running_var.shape, generator=gen) + 0.5)
    return model.eval()


def write_samples(out, tag, compute):
    """Writes the seeded input at each of SIZES and compute(input) as x-TAG-WxH.bin, y-TAG-WxH.bin; returns the manifest's samples."""
    samples = []
    for h, w in SIZES:
        x = torch.rand(1, 3, h, w, generator=torch.Generator().manual_seed(h * 100 + w))
        y = compute(x)
        x.numpy().astype('<f4').tofile(os.path.join(out, f'x-{tag}-{w}x{h}.bin'))
        y.numpy().astype('<f4').tofile(os.path.join(out, f'y-{tag}-{w}x{h}.bin'))
        samples.append(dict(x=f'x-{tag}-{w}x{h}.bin', y=f'y-{tag}-{w}x{h}.bin', input=list(x.shape), output=list(y.shape)))
    return samples


def main(out, names):
    os.makedirs(out, exist_ok=True)
    major = torch.__version__.split('.')[0]
    version = '.'.join(torch.__version__.split('.')[:2])
    manifest_path = os.path.join(out, f'manifest-torch{version}.json')
    # Only the named fixtures (default: all) are rewritten; the manifest keeps the others' entries.
    names = names or list(FIXTURES)
    manifest = [e for e in json.load(open(manifest_path))] if os.path.exists(manifest_path) else []
    manifest = [e for e in manifest if e['name'] not in names]
    for name in names:
        cls = FIXTURES[name]
        opsets = OPSETS.get(name, {}).get(major) or ([11, 13] if major == '1' else [17, 18, 20])
        torch.manual_seed(0)
        model = randomise(cls())
        with torch.no_grad():
            samples = write_samples(out, f'{name}-torch{version}', model)
        for opset in opsets:
            file = f'{name}-torch{version}-opset{opset}.onnx'
            kwargs = {} if major == '1' else dict(dynamo=False)
            try:
                torch.onnx.export(model, torch.rand(1, 3, *SIZES[0]), os.path.join(out, file), opset_version=opset,
                                  input_names=['input'], output_names=['output'],
                                  dynamic_axes={'input': {2: 'height', 3: 'width'}}, **kwargs)
            except Exception as e:  # e.g. Einsum does not exist before opset 12
                print(f'{file}: not exportable: {str(e).splitlines()[0]}', file=sys.stderr)
                continue
            import onnx
            ops = sorted({n.op_type for n in onnx.load(os.path.join(out, file)).graph.node})
            manifest.append(dict(name=name, torch=torch.__version__, opset=opset, file=file, operators=ops, samples=samples))
    order = list(FIXTURES)
    manifest.sort(key=lambda e: (order.index(e['name']) if e['name'] in order else len(order), e['opset']))
    json.dump(manifest, open(manifest_path, 'w'), indent=1)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])
