#!/usr/bin/env python3
"""Writes torchvision's state-dict key -> shape map for ResNeXt-101 (test data for ResNeXt101LayoutTests).

Run with PyTorch + torchvision: python3 tools/model-check/state_dict_shapes.py, then copy /tmp/resnext101_state_dict_shapes.json
to tests/DeepDream.Net.Tests/TestData/torchvision/.
"""
import torch, torchvision, json
out = {}
for name in ['resnext101_32x8d', 'resnext101_64x4d']:
    m = getattr(torchvision.models, name)()
    out[name] = {k: list(v.shape) for k, v in m.state_dict().items()}
    print(name, len(out[name]))
json.dump(out, open('/tmp/resnext101_state_dict_shapes.json', 'w'), separators=(',', ':'))
