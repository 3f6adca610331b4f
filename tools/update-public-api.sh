#!/usr/bin/env bash
# Regenerates src/DeepDream.Net/PublicAPI.Unshipped.txt from the library's current public API (see docs/contributing.md):
# empties it, lets the PublicApiAnalyzers code fix (RS0016) add every public member that PublicAPI.Shipped.txt does not
# already list, and builds to check. PublicAPI.Shipped.txt is never changed here: members it lists that are gone are
# reported by the build (RS0017) for a person to decide. Review the diff: every line is a promise to users.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=src/DeepDream.Net
[ -f "$lib/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$lib/PublicAPI.Shipped.txt"
printf '#nullable enable\n' > "$lib/PublicAPI.Unshipped.txt"
dotnet format analyzers "$lib/DeepDream.Net.csproj" --diagnostics RS0016 --severity warn
dotnet build "$lib" -c Release -nologo -v quiet
echo "$(($(grep -vc '^#' "$lib/PublicAPI.Shipped.txt") )) shipped, $(($(grep -vc '^#' "$lib/PublicAPI.Unshipped.txt"))) unshipped public API lines"
