#!/usr/bin/env bash
# Regenerates docs/images/*.jpg (the gallery and the README's hero image) with the library itself.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project tools/Gallery -c Release -- docs/images samples/images
