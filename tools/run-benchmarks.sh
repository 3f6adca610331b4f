#!/usr/bin/env bash
# Runs the BenchmarkDotNet suite (arguments go to BenchmarkDotNet; default: every benchmark) and copies the GitHub
# markdown reports and the efficiency summary into benchmarks/results. Run it on an otherwise idle machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$#" -eq 0 ]; then set -- --filter '*'; fi
dotnet run -c Release --project "$root/benchmarks/DeepDream.Net.Benchmarks" -- "$@"
