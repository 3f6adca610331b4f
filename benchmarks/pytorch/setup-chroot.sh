#!/usr/bin/env bash
# Makes, or completes, the Debian trixie chroot that the PyTorch yardstick (dream.py) runs in. Idempotent: every step
# is skipped when already done, so rerunning it is safe. Needs root, debootstrap and network access to deb.debian.org.
#
#   benchmarks/pytorch/setup-chroot.sh [CHROOT]      (default /work/chroots/trixie)
#
# What it installs: a minimal trixie (debootstrap --variant=minbase), then python3-torch (PyTorch 2.6 with oneDNN 3.7
# and AVX-512 dispatch), python3-torchvision 0.21, python3-onnx (for onnx_to_torch.py), python3-pil, and
# libopenblas0-pthread, which it selects as the system BLAS.
#
# Why OpenBLAS: Debian's python3-torch links the generic libblas.so.3. With the reference BLAS behind it, every small
# convolution that falls to im2col + GEMM (the octaves at 164×109 and below) runs at about 6 GFLOP/s, several times
# slower than a user's pip-installed PyTorch; OpenBLAS restores what a user would see.
# Why one BLAS thread (OPENBLAS_NUM_THREADS=1 when running, set by benchmarks/DeepDream.Net.Benchmarks/Comparison/PyTorchWorker.cs): PyTorch already runs one OpenMP
# thread per core; OpenBLAS's own thread pool on top of that fights it for the same cores (245 ms instead of 15 ms per
# step at 84×56 on 2 cores).
# /proc, /sys and /dev must be mounted inside: without /proc and /sys PyTorch cannot read the CPU's features and falls
# back to code without AVX at all.
set -euo pipefail
CHROOT=${1:-/work/chroots/trixie}
MIRROR=http://deb.debian.org/debian
PACKAGES=(python3-torch python3-torchvision python3-onnx python3-pil libopenblas0-pthread)

if [ "$(id -u)" != 0 ]; then echo "run as root (debootstrap, mount and chroot need it)" >&2; exit 2; fi

if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
    command -v debootstrap >/dev/null || { echo "install debootstrap first (apt-get install debootstrap)" >&2; exit 2; }
    echo "debootstrap trixie into $CHROOT ..."
    mkdir -p "$CHROOT"
    debootstrap --variant=minbase trixie "$CHROOT" "$MIRROR"
fi

mountpoint -q "$CHROOT/proc" || mount -t proc proc "$CHROOT/proc"
mountpoint -q "$CHROOT/sys" || mount -t sysfs sysfs "$CHROOT/sys"
mountpoint -q "$CHROOT/dev" || mount --bind /dev "$CHROOT/dev"

missing=()
for p in "${PACKAGES[@]}"; do
    chroot "$CHROOT" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} ..."
    chroot "$CHROOT" apt-get update
    chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

chroot "$CHROOT" update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null
chroot "$CHROOT" update-alternatives --set liblapack.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3 >/dev/null 2>&1 || true

chroot "$CHROOT" env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 -c \
    "import torch, torchvision; print('PyTorch', torch.__version__, 'torchvision', torchvision.__version__, 'CPU capability', torch.backends.cpu.get_cpu_capability())"
echo "$CHROOT is ready"
