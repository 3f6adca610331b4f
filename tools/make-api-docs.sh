#!/usr/bin/env bash
# Regenerates docs/api.md from the Release build of src/DeepDream.Net and its XML documentation, and lists public
# members without a <summary>.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/DeepDream.Net -c Release -nologo -v quiet
dotnet run --project tools/ApiDoc -c Release -- src/DeepDream.Net/bin/Release/net10.0/DeepDream.Net.dll docs/api.md
