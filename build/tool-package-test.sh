#!/usr/bin/env bash
# Tool package test (linux-x64): pack the deepdream tool (the DeepDream.Cli pointer package and DeepDream.Cli.linux-x64),
# fail when the platform package is over nuget.org's 250 MB limit (and warn above 240 MB), install the tool from that
# local feed into a fresh folder, and run the installed tool on tiny inputs: a zoom, and a video with Farnebäck optical
# flow, so libtorch and OpenCV's native library are shown to load from the package itself. Needs GTK 3 for OpenCV
# (Debian/Ubuntu: libgtk-3-0); uses ffmpeg for an MP4 round trip when it is installed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/deepdream-tool.XXXXXX)
feed="$work/feed"
base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)
# A unique version per run, so the NuGet cache never serves an older build of the same version.
version="$base-tooltest.$(date +%s)"
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
trap 'rm -rf "$work" "$packages/deepdream.cli/$version" "$packages/deepdream.cli.linux-x64/$version"' EXIT
limit=250000000 # nuget.org's limit is 250 MB; counted in decimal megabytes, the stricter reading
warn=240000000

echo "tool package test: packing DeepDream.Cli $version for linux-x64"
dotnet pack "$repo/src/DeepDream.Cli/DeepDream.Cli.csproj" -c Release -o "$feed" -v quiet -nologo \
  -p:Version="$version" -p:ToolPackageRuntimeIdentifiers=linux-x64
package="$feed/DeepDream.Cli.linux-x64.$version.nupkg"
test -f "$feed/DeepDream.Cli.$version.nupkg"
size=$(stat -c %s "$package")
echo "tool package test: DeepDream.Cli.linux-x64 is $size bytes ($((size / 1000000)) MB; limit $((limit / 1000000)) MB)"
if [ "$size" -gt "$limit" ]; then
  echo "tool package test: FAILED: the linux-x64 tool package is over nuget.org's 250 MB limit; its largest entries:"
  unzip -lv "$package" | sort -k3 -n -r | head -8
  exit 1
fi
[ "$size" -gt "$warn" ] && echo "tool package test: warning: within $(((limit - size) / 1000000)) MB of the limit"
for unused in libtorch_python.so libtorchbind_test.so; do
  if unzip -l "$package" | grep -q "/$unused\$"; then echo "tool package test: FAILED: $unused should be left out"; exit 1; fi
done

tools="$work/tools"
dotnet tool install --tool-path "$tools" --add-source "$feed" DeepDream.Cli --version "$version" >/dev/null
deepdream="$tools/deepdream"
run() { echo "+ deepdream $*"; "$deepdream" "$@" -q --octaves 1 --steps 1 --seed 1; }
cd "$work"
cp "$repo/samples/images/chelsea.png" input.png

run zoom input.png -o frames --frames 3 --zoom 1.1
test "$(ls frames/frame-*.png | wc -l)" -eq 3
run video frames -o dreamed --flow farneback --fps 10
test "$(ls dreamed/frame-*.png | wc -l)" -eq 3
grep -q '"flow": "farneback"' dreamed/deepdream-job.json
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  run zoom input.png -o zoom.mp4 --frames 3 --fps 10
  run video zoom.mp4 -o video.mp4 --flow farneback
  frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 video.mp4)
  test "$frames" -eq 3
else
  echo "tool package test: ffmpeg not installed; the MP4 round trip is skipped"
fi
echo "tool package test: passed"
