#!/usr/bin/env bash
# Peak resident memory of full dreams, each in a fresh process: the reference workload (chelsea.png, library defaults),
# and 1024×1024 and 4096×4096 images (resized from astronaut.png) with 3 octaves × 2 steps.
# Writes benchmarks/results/peak-memory.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dotnet build "$root/benchmarks/DeepDream.Net.Benchmarks" -c Release -v quiet -nologo >/dev/null
bin="$root/benchmarks/DeepDream.Net.Benchmarks/bin/Release/net10.0/DeepDream.Net.Benchmarks"
out="$root/benchmarks/results/peak-memory.md"
mkdir -p "$(dirname "$out")"
{
  echo "Peak memory, $(date -u '+%Y-%m-%d %H:%M') UTC, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| workload | image | octaves | steps/octave | tile | load | dream | RSS before dream | peak RSS (VmHWM) | PeakWorkingSet64 |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} > "$out"
"$bin" peak-memory reference --append "$out"
"$bin" peak-memory 1024 --octaves 3 --steps 2 --append "$out"
"$bin" peak-memory 4096 --octaves 3 --steps 2 --append "$out"
cat "$out"
