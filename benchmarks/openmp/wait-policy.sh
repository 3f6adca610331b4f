#!/usr/bin/env bash
# OpenMP wait policy: a README-style console app (DeepDream.Net by project reference + TorchSharp-cpu) and the deepdream
# CLI, each with libgomp's own default spinning ("before": GOMP_SPINCOUNT=300000, which is libgomp's default and which
# the library leaves alone because the application set it) and as shipped ("after": the library sets
# OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=1000), in three conditions: "alone" (the runs at real-time priority, chrt
# --fifo, so other users of a shared machine cannot take the CPUs: an idle machine; skipped without chrt rights),
# "quiet" (nothing of ours besides the run) and "loaded" (HOGS busy loops of ours competing for the CPUs). Variants
# alternate within each round, so every ratio compares runs minutes apart at most. Not in CI.
#
#   benchmarks/openmp/wait-policy.sh [ROUNDS] [HOGS]     # defaults: 3 rounds, 4 busy loops; ~2-6 minutes
#
# Writes benchmarks/results/openmp-wait-policy.md (medians and ratios) and prints every run. Scratch: $TMPDIR/dd-omp-*.
set -euo pipefail
rounds=${1:-3}
hogs=${2:-4}
repo=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/dd-omp-XXXXXX")
hog_pids=()
cleanup() { for p in "${hog_pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$scratch"; }
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The workload: 240x160 chelsea, 3 octaves x 4 steps, seed 5 (the report that found this).
ffmpeg -loglevel error -y -i "$repo/samples/images/chelsea.png" -vf scale=240:160 "$scratch/cat.png"

dotnet build "$repo/src/DeepDream.Cli" -c Release -nologo -v quiet >/dev/null
cli="$repo/src/DeepDream.Cli/bin/Release/net10.0/deepdream"

mkdir "$scratch/app"
cat > "$scratch/app/app.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/src/DeepDream.Net/DeepDream.Net.csproj" />
    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
  </ItemGroup>
  <Import Project="$repo/src/DeepDream.Net/build/DeepDream.Net.targets" />
</Project>
EOF
cat > "$scratch/app/Program.cs" <<'EOF'
using System.Diagnostics;
using DeepDream;
using DeepDream.Imaging;

// What a new user writes (README), with the model load and the dream timed apart.
using var photo = ImageLoader.Load(args[0]);
var clock = Stopwatch.StartNew();
var dreamer = new DreamBuilder().Octaves(3).Steps(4).Seed(5).Build();
var load = clock.Elapsed.TotalSeconds;
clock.Restart();
using var output = dreamer.Run(photo.Rgb);
Console.WriteLine(FormattableString.Invariant($"load {load:F3} dream {clock.Elapsed.TotalSeconds:F3}"));
EOF
dotnet build "$scratch/app" -c Release -nologo -v quiet -o "$scratch/app/out" >/dev/null
app="$scratch/app/out/app"

runs="$scratch/runs.tsv"
: > "$runs"
run() { # condition variant command...
  local condition=$1 variant=$2; shift 2
  local t0 t1 dream
  t0=$(date +%s%N)
  local out
  out=$("$@" 2>&1 | tail -1) || true   # a run that fails or is killed is recorded without a dream time
  t1=$(date +%s%N)
  dream=$(sed -n 's/.*dream \([0-9.]*\).*/\1/p' <<<"$out")
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  printf '%s\t%s\t%s\t%s\n' "$condition" "$variant" "$wall" "${dream:--}" | tee -a "$runs"
}
measure() { # condition [priority wrapper...]
  local condition=$1; shift
  for ((r = 0; r < rounds; r++)); do
    run "$condition" app-before "$@" env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=300000 "$app" "$scratch/cat.png"
    run "$condition" app-after "$@" env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$app" "$scratch/cat.png"
    run "$condition" cli-before "$@" env -u OMP_WAIT_POLICY GOMP_SPINCOUNT=300000 "$cli" dream "$scratch/cat.png" -o "$scratch/x.png" --octaves 3 --steps 4 --seed 5
    run "$condition" cli-after "$@" env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$cli" dream "$scratch/cat.png" -o "$scratch/x.png" --octaves 3 --steps 4 --seed 5
  done
}

conditions="quiet loaded"
if chrt --fifo 10 true 2>/dev/null; then
  measure alone chrt --fifo 10
  conditions="alone $conditions"
fi
quiet_load=$(cut -d' ' -f1 /proc/loadavg)
measure quiet
for ((i = 0; i < hogs; i++)); do sh -c 'while :; do :; done' & hog_pids+=($!); done
sleep 1
loaded_load=$(cut -d' ' -f1 /proc/loadavg)
measure loaded
for p in "${hog_pids[@]}"; do kill "$p"; done
hog_pids=()

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
value() { awk -F'\t' -v c="$1" -v v="$2" -v col="$3" '$1 == c && $2 == v { print $col }' "$runs" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

result="$repo/benchmarks/results/openmp-wait-policy.md"
{
  echo "# OpenMP wait policy: README app and CLI, before and after, quiet and loaded"
  echo
  echo "Written by \`benchmarks/openmp/wait-policy.sh $rounds $hogs\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs"
  echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')). Workload: chelsea scaled to 240×160, 3 octaves × 4"
  echo "steps, seed 5, embedded ResNet18. *before*: libgomp's default spinning (GOMP_SPINCOUNT=300000); *after*: as"
  echo "shipped (the library sets OMP_WAIT_POLICY=PASSIVE, GOMP_SPINCOUNT=1000). Medians of $rounds alternating runs."
  echo "*alone*: at real-time priority (chrt --fifo 10), so the machine's other users cannot take the CPUs (an idle"
  echo "machine); *quiet*: no load of ours (1-minute load average $quiet_load from other users of the machine);"
  echo "*loaded*: $hogs busy loops of ours (load average $loaded_load). Seconds; dream = \`Dreamer.Run\` only, wall = the"
  echo "whole process."
  echo
  echo "| condition | app dream before | app dream after | after/before | app wall before | app wall after | CLI wall before | CLI wall after | CLI after/before | app after / CLI after (wall) |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for c in $conditions; do
    adb=$(value $c app-before 4); ada=$(value $c app-after 4)
    awb=$(value $c app-before 3); awa=$(value $c app-after 3)
    cwb=$(value $c cli-before 3); cwa=$(value $c cli-after 3)
    echo "| $c | $adb | $ada | **$(ratio "$ada" "$adb")** | $awb | $awa | $cwb | $cwa | $(ratio "$cwa" "$cwb") | $(ratio "$awa" "$cwa") |"
  done
  echo
  echo "Every run (condition, variant, wall s, dream s):"
  echo
  echo '```'
  cat "$runs"
  echo '```'
} > "$result"
echo "wrote $result"
