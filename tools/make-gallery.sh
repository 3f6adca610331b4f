#!/usr/bin/env bash
# Regenerates docs/images/*.jpg and zoom.gif (the gallery, the README's hero image, the animation docs' zoom) with the
# library itself. `tools/make-gallery.sh zoom` makes only docs/images/zoom.gif.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project tools/Gallery -c Release -- docs/images samples/images "$@"
