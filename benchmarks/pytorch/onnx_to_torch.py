"""Converts the embedded ResNet18 ONNX model of DeepDream.Net into a torchvision ``resnet18`` state dict.

The ONNX file (a CNTK export, opset 8) is a plain ResNet18 trunk: a 7x7 stem convolution, BatchNorm, ReLU, max-pool,
then basic blocks (conv-BN-ReLU-conv-BN, a 1x1 conv-BN shortcut where the shape changes, Add, ReLU) in four stages of
64, 128, 256 and 512 channels, and a global average pool. Its last stage has three blocks where torchvision's has two:
the third is left out (it lies after ``layer3``, where the dream stops, so neither side ever runs it). This script maps every Conv and BatchNormalization initializer onto the torchvision module that plays the
same role, found from the graph's topology (each Add closes one block; its inputs are the main branch and the
shortcut), so the weights are identical on both sides of the comparison. The classifier (``fc``), which the ONNX model
does not have, is filled with zeros: the dream never reaches it.

The CNTK stem and stride-2 convolutions pad asymmetrically (``pads=[1,1,0,0]``); DeepDream.Net applies the begin pads
on both sides (``OnnxImportOptions.SymmetricPadsFromBegin``), which is exactly torchvision's padding. As a check, the
converted torchvision model is compared with a direct interpretation of the ONNX graph (plain torch functional
operators, begin pads applied symmetrically) on a random input; the script fails if ``layer3`` differs.

Usage: python3 onnx_to_torch.py ResNet18.onnx resnet18.pth
"""
import sys

import onnx
import torch
import torch.nn.functional as F
import torchvision
from onnx import numpy_helper


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class Graph:
    """The parts of the ONNX graph the conversion needs: producers, initializers, node order."""

    def __init__(self, model):
        g = model.graph
        self.nodes = list(g.node)
        self.init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
        self.producer = {o: n for n in self.nodes for o in n.output}
        self.input = next(i.name for i in g.input if i.name not in self.init)

    def conv_bn_behind(self, value):
        """The (Conv, BatchNormalization) pair whose BN produces ``value``."""
        bn = self.producer[value]
        if bn.op_type != "BatchNormalization":
            raise ValueError(f"expected a BatchNormalization to produce {value}, found {bn.op_type}")
        conv = self.producer[bn.input[0]]
        if conv.op_type != "Conv":
            raise ValueError(f"expected a Conv before {bn.name}, found {conv.op_type}")
        return conv, bn

    def skip_relu(self, value):
        node = self.producer[value]
        if node.op_type != "Relu":
            raise ValueError(f"expected a Relu to produce {value}, found {node.op_type}")
        return node.input[0]


def put(state, prefix_conv, prefix_bn, graph, conv, bn):
    weight = graph.init[conv.input[1]]
    if tuple(state[prefix_conv + ".weight"].shape) != tuple(weight.shape):
        raise ValueError(f"{prefix_conv}: shape {tuple(weight.shape)} does not fit {tuple(state[prefix_conv + '.weight'].shape)}")
    if len(conv.input) > 2 and conv.input[2]:
        raise ValueError(f"{conv.name} has a bias; torchvision's resnet18 convolutions have none")
    state[prefix_conv + ".weight"] = weight.clone()
    scale, bias, mean, var = (graph.init[n].clone() for n in bn.input[1:5])
    state[prefix_bn + ".weight"] = scale
    state[prefix_bn + ".bias"] = bias
    state[prefix_bn + ".running_mean"] = mean
    state[prefix_bn + ".running_var"] = var
    eps = attributes(bn).get("epsilon", 1e-5)
    if abs(eps - 1e-5) > 1e-9:
        raise ValueError(f"{bn.name}: epsilon {eps} differs from torchvision's 1e-5")


def convert(path):
    graph = Graph(onnx.load(path))
    model = torchvision.models.resnet18()
    state = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    stages = {}  # output channels -> the Add node of each block of that stage, in order
    for add in (n for n in graph.nodes if n.op_type == "Add"):
        main = add.input[0] if graph.producer[add.input[0]].op_type == "BatchNormalization" else add.input[1]
        conv, _ = graph.conv_bn_behind(main)
        stages.setdefault(graph.init[conv.input[1]].shape[0], []).append(add)
    if sorted(stages) != [64, 128, 256, 512] or any(len(stages[c]) < 2 for c in stages):
        raise ValueError(f"expected four stages of at least two blocks, found {[(c, len(b)) for c, b in stages.items()]}")
    blocks = [(f"layer{s + 1}.{b}", stages[c][b]) for s, c in enumerate([64, 128, 256, 512]) for b in range(2)]
    layer3 = graph.nodes[[n.input[0] for n in graph.nodes].index(stages[256][-1].output[0])].output[0]
    stem_input = None
    for block, add in blocks:
        main, shortcut = add.input
        if graph.producer[main].op_type != "BatchNormalization":
            main, shortcut = shortcut, main
        conv2, bn2 = graph.conv_bn_behind(main)
        conv1, bn1 = graph.conv_bn_behind(graph.skip_relu(conv2.input[0]))
        put(state, f"{block}.conv2", f"{block}.bn2", graph, conv2, bn2)
        put(state, f"{block}.conv1", f"{block}.bn1", graph, conv1, bn1)
        if graph.producer.get(shortcut) is not None and graph.producer[shortcut].op_type == "BatchNormalization":
            conv_d, bn_d = graph.conv_bn_behind(shortcut)
            put(state, f"{block}.downsample.0", f"{block}.downsample.1", graph, conv_d, bn_d)
        if block == "layer1.0":
            stem_input = conv1.input[0]
    pool = graph.producer[stem_input]
    if pool.op_type != "MaxPool":
        raise ValueError(f"expected the stem's max-pool before layer1, found {pool.op_type}")
    conv, bn = graph.conv_bn_behind(graph.skip_relu(pool.input[0]))
    put(state, "conv1", "bn1", graph, conv, bn)
    for key in state:
        if key.endswith("num_batches_tracked"):
            state[key] = torch.tensor(0, dtype=torch.long)
    model.load_state_dict(state, strict=True)
    return graph, model, state, layer3


def run_onnx(graph, x, target):
    """Interprets the ONNX graph up to ``target`` with torch functional operators (begin pads on both sides)."""
    values = dict(graph.init)
    values[graph.input] = x
    for node in graph.nodes:
        a = attributes(node)
        i = [values[n] if n else None for n in node.input]
        if node.op_type == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]), pads[:2],
                         a.get("dilations", [1, 1]), a.get("group", 1))
        elif node.op_type == "BatchNormalization":
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
        elif node.op_type == "Relu":
            y = F.relu(i[0])
        elif node.op_type == "Add":
            y = i[0] + i[1]
        elif node.op_type == "MaxPool":
            y = F.max_pool2d(i[0], a["kernel_shape"], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])[:2])
        else:
            raise ValueError(f"unexpected operator {node.op_type} before layer3")
        values[node.output[0]] = y
        if node.output[0] == target:
            return y
    raise ValueError(f"{target} was not computed")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    torch.manual_seed(0)
    graph, model, state, layer3 = convert(sys.argv[1])
    model.eval()
    x = torch.randn(1, 3, 117, 163) * 60  # the embedded model sees BGR 0..255 minus the means
    with torch.no_grad():
        expected = run_onnx(graph, x, layer3)
        got = model.layer3(model.layer2(model.layer1(model.maxpool(model.relu(model.bn1(model.conv1(x)))))))
    error = (got - expected).abs().max().item() / expected.abs().max().item()
    if error > 1e-5:
        raise SystemExit(f"converted resnet18 differs from the ONNX graph at layer3 (relative max error {error:.2e})")
    torch.save(state, sys.argv[2])
    print(f"wrote {sys.argv[2]}: torchvision resnet18 with the ONNX weights (layer3 relative max error {error:.1e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
