#!/usr/bin/env bash
# Regenerates the gallery (docs/gallery.md, docs/images/gallery/*, the README's pictures in docs/images) with the library
# itself. With section ids (e.g. `tools/make-gallery.sh layers tiled`) only those sections' pictures are remade;
# docs/gallery.md is always rewritten whole. `--markdown-only` rewrites just the page. See tools/Gallery/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project tools/Gallery -c Release -- "$@"
