#!/usr/bin/env python3
"""Writes the `onnx_only` fixture of tests/DeepDream.Net.Tests/TestData/onnx-ops/: the operators the importer supports that
PyTorch's exporter never writes for these computations (it decomposes them): Mish, Softsign, ThresholdedRelu, Mean, Sum,
ReduceLogSum, ReduceSumSquare, Size and CastLike.

    python3 tools/model-check/make_onnx_only_fixture.py OUT_DIR      (PyTorch 2.x and onnx; run after make_op_fixtures.py)

The graph is written with onnx.helper (opset 18, dynamic height and width); the expected outputs are computed by PyTorch
from the same input with torch functions (F.mish, F.softsign, ...), and the entry is added to manifest-torch<ver>.json.
"""
import json
import os
import sys

import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper

from make_op_fixtures import write_samples

NAME = 'onnx_only'
OPSET = 18


def graph():
    node = helper.make_node
    axes = helper.make_tensor('axes', TensorProto.INT64, [1], [1])
    hundred = helper.make_tensor('hundred', TensorProto.FLOAT, [], [100.0])
    nodes = [
        node('Mish', ['input'], ['mish']),
        node('Softsign', ['input'], ['softsign']),
        node('ThresholdedRelu', ['input'], ['thresholded'], alpha=0.4),
        node('Mean', ['input', 'softsign'], ['mean']),
        node('Sum', ['input', 'softsign', 'thresholded'], ['sum']),
        node('ReduceLogSum', ['input', 'axes'], ['log_sum'], keepdims=1),
        node('ReduceSumSquare', ['input', 'axes'], ['sum_square'], keepdims=1),
        node('Size', ['input'], ['size']),
        node('CastLike', ['size', 'input'], ['size_float']),
        node('Div', ['size_float', 'hundred'], ['size_scale']),
        node('Mul', ['sum_square', 'size_scale'], ['scaled']),
        node('Concat', ['mish', 'softsign', 'thresholded', 'mean', 'sum', 'log_sum', 'scaled'], ['output'], axis=1),
    ]
    g = helper.make_graph(nodes, NAME,
                          [helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 3, 'height', 'width'])],
                          [helper.make_tensor_value_info('output', TensorProto.FLOAT, [1, 17, 'height', 'width'])],
                          initializer=[axes, hundred])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid('', OPSET)], producer_name='make_onnx_only_fixture.py')
    onnx.checker.check_model(model, full_check=True)
    return model


def reference(x):
    softsign = F.softsign(x)
    thresholded = torch.where(x > 0.4, x, torch.zeros_like(x))
    log_sum = x.sum(1, keepdim=True).log()
    scaled = x.pow(2).sum(1, keepdim=True) * (x.numel() / 100.0)
    return torch.cat((F.mish(x), softsign, thresholded, (x + softsign) / 2, x + softsign + thresholded, log_sum, scaled), 1)


def main(out):
    version = '.'.join(torch.__version__.split('.')[:2])
    file = f'{NAME}-torch{version}-opset{OPSET}.onnx'
    model = graph()
    onnx.save(model, os.path.join(out, file))
    samples = write_samples(out, f'{NAME}-torch{version}', reference)
    path = os.path.join(out, f'manifest-torch{version}.json')
    manifest = [e for e in json.load(open(path)) if e['name'] != NAME]
    manifest.append(dict(name=NAME, torch=torch.__version__, opset=OPSET, file=file,
                         operators=sorted({n.op_type for n in model.graph.node}), samples=samples))
    json.dump(manifest, open(path, 'w'), indent=1)


if __name__ == '__main__':
    main(sys.argv[1])
