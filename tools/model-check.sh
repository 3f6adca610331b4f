#!/usr/bin/env bash
# Checks torchvision classifiers end to end: exports each (random weights, randomised BatchNorm statistics) with
# PyTorch 1.13 (ONNX opsets 11 static / 13 dynamic) and PyTorch 2.x (opsets 17 dynamic / 18 static, plus a .pth), then
# tools/ModelCheck loads every export with DeepDream.Net, compares the logits with PyTorch's at 224x224 and 451x300,
# lists the layers, measures the size probe's memory and dreams two steps. One JSON line per export goes to RESULTS;
# tools/model-check/summarize.py turns them into the table in docs/models.md.
#
#   tools/model-check.sh RESULTS.jsonl [MODEL...]
#
# PyTorch lives outside the repository (never needed by the build or the tests): set TORCH113_PYTHON and TORCH2_PYTHON to
# commands that run Python with the right PyTorch, and WORK to a folder both can write (exports are deleted after each
# model). Defaults: the Debian bookworm (python3-torch 1.13) and trixie (PyTorch 2.6) chroots of the development machine.
set -euo pipefail
cd "$(dirname "$0")/.."
results=$(realpath -m "$1"); shift
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(alexnet vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn resnet18 resnet34 resnet50 resnet101 resnet152
    wide_resnet50_2 wide_resnet101_2 resnext50_32x4d resnext101_32x8d resnext101_64x4d googlenet inception_v3 densenet121
    squeezenet1_0 squeezenet1_1 mobilenet_v2 mobilenet_v3_small mobilenet_v3_large shufflenet_v2_x1_0 mnasnet1_0
    efficientnet_b0 efficientnet_v2_s regnet_x_400mf regnet_y_400mf convnext_tiny swin_t swin_v2_t vit_b_16 maxvit_t)
fi
B=${TORCH113_ROOT:-/work/chroots/bookworm}
T=${TORCH2_ROOT:-/work/chroots/trixie}
py113=${TORCH113_PYTHON:-chroot $B env OPENBLAS_NUM_THREADS=1 python3}
py2=${TORCH2_PYTHON:-chroot $T env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3}
cp tools/model-check/export_torchvision.py "$B/tmp/" && cp tools/model-check/export_torchvision.py "$T/tmp/"
bin=$(mktemp -d)   # a private build, so rebuilding the repository during a long run does not change it
dotnet build tools/ModelCheck -c Release -nologo -v quiet -o "$bin"
for m in "${models[@]}"; do
  echo "== $m" >&2
  $py113 /tmp/export_torchvision.py "$m" "/tmp/mc/$m" > "/tmp/model-check-$m-113.log" 2>&1 || echo "export with 1.13 failed: see /tmp/model-check-$m-113.log" >&2
  $py2 /tmp/export_torchvision.py "$m" "/tmp/mc/$m" --pth > "/tmp/model-check-$m-2.log" 2>&1 || echo "export with 2.x failed: see /tmp/model-check-$m-2.log" >&2
  dotnet "$bin/ModelCheck.dll" "$m" "$B/tmp/mc/$m/1.13" "$T/tmp/mc/$m/2.6" | tee -a "$results" >&2 || true
  rm -rf "$B/tmp/mc/$m" "$T/tmp/mc/$m"
done
