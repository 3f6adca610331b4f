#!/usr/bin/env bash
# DeepDream.Net against plain eager PyTorch 2.6 on this machine: the roofline, the reference workload (ours and theirs
# alternating, several rounds) and 1920×1080 (fresh processes, time and peak memory). Writes
# benchmarks/results/pytorch-comparison.md. Needs root (chroot) and the chroot from setup-chroot.sh; takes 15–30 min on
# 2 cores. Run it on an otherwise quiet machine: other work on the cores distorts every ratio.
#
#   benchmarks/pytorch/run-comparison.sh [--rounds N] [--large-rounds N] [--skip-large] [--threads N] [--steps N] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
CHROOT=${CHROOT:-/work/chroots/trixie}
benchmarks/pytorch/setup-chroot.sh "$CHROOT"
dotnet build benchmarks/DeepDream.Net.Benchmarks -c Release -nologo -v quiet
exec dotnet benchmarks/DeepDream.Net.Benchmarks/bin/Release/net10.0/DeepDream.Net.Benchmarks.dll compare --chroot "$CHROOT" "$@"
