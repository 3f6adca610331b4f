"""The DeepDream.Net algorithm written as a PyTorch user would write it: the yardstick for docs/performance.md.

A torchvision ``resnet18`` with a state dict, ``eval()``, parameters frozen, and a forward hook on the dream layer that
stores the activation and raises to stop the forward pass there. The dream is DeepDream.Net's default one: an octave
pyramid (bilinear resizes, ``align_corners=False``, sizes rounded half to even), the detail carried up from octave to
octave, and per step a random roll (jitter), the gradient of ``0.5 * sum(a**2)`` at the layer, a step of
``step_size * g / mean(|g|)`` rolled back, and a clamp to [0, 1].

Variants (``--variant``):
  nchw       float32, the default memory format
  cl         float32, model and input in ``torch.channels_last``
  bf16       bfloat16 network (``model.to(torch.bfloat16)``), channels-last; the image, pyramid, mean |g| and the
             update stay float32 (the input is cast inside autograd, so the gradient arrives in float32)
  bf16-nchw  bfloat16 network in the default memory format

Modes:
  once   one dream in this process; prints one JSON line with the dream's seconds, its CPU seconds (a warm-up dream
         first, unless --no-warmup) and the process's peak resident memory (VmHWM)
  serve  reads JSON requests from stdin, one per line ({"variant": ..., "image": ..., "seconds_only": true, ...}), runs
         one dream for each (model kept per variant) and answers one JSON line each; used by the comparison driver
  conv   the roofline: a 3x3 convolution forward + input gradient, float32 and bfloat16, channels-last

Run it in the trixie chroot (see setup-chroot.sh) with OPENBLAS_NUM_THREADS=1.
"""
import argparse
import json
import random
import sys
import time

import torch
import torch.nn.functional as F
import torchvision
from PIL import Image

VARIANTS = {
    "nchw": (torch.float32, torch.contiguous_format),
    "cl": (torch.float32, torch.channels_last),
    "bf16": (torch.bfloat16, torch.channels_last),
    "bf16-nchw": (torch.bfloat16, torch.contiguous_format),
}

# The embedded DeepDream.Net model's input convention: BGR, 0..255, minus per-channel means.
EMBEDDED_MEAN = (103.06262, 115.902885, 123.15163)
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class StopForward(Exception):
    pass


class Dreamer:
    """One model in one variant, with a hook that stops the forward pass at the layer."""

    def __init__(self, weights, variant, layer="layer3", preprocessing="embedded"):
        self.dtype, self.memory_format = VARIANTS[variant]
        model = torchvision.models.resnet18()
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        model = model.to(dtype=self.dtype, memory_format=self.memory_format)
        self.model = model
        self.activation = None
        model.get_submodule(layer).register_forward_hook(self._hook)
        if preprocessing == "embedded":
            self.bgr, self.scale = True, 255.0
            self.mean = torch.tensor(EMBEDDED_MEAN).view(1, 3, 1, 1)
            self.std = torch.ones(1, 3, 1, 1)
        else:
            self.bgr, self.scale = False, 1.0
            self.mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
            self.std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)

    def _hook(self, module, inputs, output):
        self.activation = output
        raise StopForward()

    def features(self, x):
        try:
            self.model(x)
        except StopForward:
            pass
        a, self.activation = self.activation, None
        return a

    def gradient(self, image):
        image = image.detach().requires_grad_(True)
        x = image.flip(1) if self.bgr else image
        x = (x * self.scale - self.mean) / self.std
        x = x.to(dtype=self.dtype).contiguous(memory_format=self.memory_format)
        a = self.features(x)
        loss = 0.5 * a.float().square().sum()
        loss.backward()
        return image.grad

    def dream(self, image, octaves=6, scale=1.4, steps=20, step_size=0.0045, jitter=32, seed=0):
        rng = random.Random(seed)
        h, w = image.shape[2:]
        sizes = [(h, w)]
        for _ in range(octaves - 1):
            sizes.append((round(sizes[-1][0] / scale), round(sizes[-1][1] / scale)))
        bases = [image]
        for size in sizes[1:]:
            bases.append(F.interpolate(bases[-1], size=size, mode="bilinear", align_corners=False))
        detail = torch.zeros_like(bases[-1])
        for k in reversed(range(len(sizes))):
            if detail.shape[2:] != bases[k].shape[2:]:
                detail = F.interpolate(detail, size=sizes[k], mode="bilinear", align_corners=False)
            x = bases[k] + detail
            for _ in range(steps):
                dx, dy = rng.randint(-jitter, jitter), rng.randint(-jitter, jitter)
                rolled = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
                g = self.gradient(rolled)
                with torch.no_grad():
                    g = g * (step_size / g.abs().mean().clamp_min(1e-30))
                    x = (x + torch.roll(g, shifts=(-dy, -dx), dims=(2, 3))).clamp_(0, 1)
            detail = x - bases[k]
        return x


def load_image(path):
    picture = Image.open(path).convert("RGB")
    return torchvision.transforms.functional.pil_to_tensor(picture).float().div_(255).unsqueeze(0)


def peak_rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_dream(dreamer, request):
    image = load_image(request["image"])
    start, cpu = time.perf_counter(), time.process_time()
    out = dreamer.dream(image, octaves=request.get("octaves", 6), steps=request.get("steps", 20),
                        jitter=request.get("jitter", 32), seed=request.get("seed", 0))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if request.get("output"):
        pixels = out.squeeze(0).mul(255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous()
        Image.fromarray(pixels.numpy()).save(request["output"])
    return seconds, cpu


def serve(args):
    dreamers = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            if request.get("mode") == "conv":
                reply = conv_roofline(request)
            else:
                variant = request["variant"]
                if variant not in dreamers:
                    dreamers[variant] = Dreamer(args.weights, variant, request.get("layer", "layer3"))
                seconds, cpu = run_dream(dreamers[variant], request)
                reply = {"seconds": seconds, "cpu_seconds": cpu}
        except Exception as e:  # reported to the driver, which stops
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


def conv_roofline(request):
    """Forward + input gradient of one 3x3 convolution, channels-last; best GFLOP/s of several repetitions."""
    n, c, h, w = request.get("shape", [1, 256, 76, 114])
    result = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        g = torch.Generator().manual_seed(1234)
        x = torch.randn(n, c, h, w, generator=g).to(dtype).contiguous(memory_format=torch.channels_last).requires_grad_(True)
        weight = (torch.randn(c, c, 3, 3, generator=g) * 0.05).to(dtype).contiguous(memory_format=torch.channels_last)
        gy = torch.randn(n, c, h, w, generator=g).to(dtype).contiguous(memory_format=torch.channels_last)
        flops = 4.0 * n * c * h * w * c * 9
        best = float("inf")
        for i in range(request.get("reps", 10) + 2):
            start = time.perf_counter()
            y = F.conv2d(x, weight, None, 1, 1)
            torch.autograd.grad([y], [x], [gy])
            if i >= 2:
                best = min(best, time.perf_counter() - start)
        result[name] = flops / best / 1e9
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["once", "serve", "conv"])
    parser.add_argument("--weights", default="resnet18.pth", help="torchvision resnet18 state dict (onnx_to_torch.py)")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="cl")
    parser.add_argument("--image", help="input picture")
    parser.add_argument("--output", help="where to save the dreamed picture")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--octaves", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-warmup", action="store_true", help="time the first dream of the process")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's, one per core)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.mode == "serve":
        serve(args)
        return 0
    if args.mode == "conv":
        print(json.dumps(conv_roofline({})))
        return 0
    dreamer = Dreamer(args.weights, args.variant)
    request = {"image": args.image, "steps": args.steps, "octaves": args.octaves, "seed": args.seed}
    if not args.no_warmup:
        run_dream(dreamer, request)
    seconds, cpu = run_dream(dreamer, dict(request, output=args.output))
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mib": peak_rss_mib(), "threads": torch.get_num_threads()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
