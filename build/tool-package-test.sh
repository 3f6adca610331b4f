#!/usr/bin/env bash
# Tool package test (linux-x64): pack the deepdream tool with build/pack-local.sh as the README does (the DeepDream.Cli
# pointer package and DeepDream.Cli.linux-x64; the script registers the folder as the user-wide source 'deepdream-local'),
# fail when the platform package is over nuget.org's 250 MB limit (and warn above 240 MB), install the tool with the
# README's line `dotnet tool install --global DeepDream.Cli` from a folder outside the clone, and run the installed tool
# on tiny inputs: a zoom, and a video with Farnebäck optical flow, so libtorch and OpenCV's native library are shown to
# load from the package itself. All under a throw-away HOME: the machine's NuGet config and global tools are untouched
# (the package caches are shared). Needs GTK 3 for OpenCV (Debian/Ubuntu: libgtk-3-0); uses ffmpeg for an MP4 round
# trip when it is installed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/deepdream-tool.XXXXXX)
feed="$work/feed"
base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)
# A unique, stable (4-part) version per run: the NuGet cache never serves an older build, and `dotnet tool install`
# without --version takes it (the newest stable version).
version="$base.$(date +%s)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
http_cache=$(dotnet nuget locals http-cache --list | sed -n 's/^http-cache: //p')
trap 'rm -rf "$work" "$packages/deepdream.cli/$version" "$packages/deepdream.cli.linux-x64/$version"' EXIT
limit=250000000 # nuget.org's limit is 250 MB; counted in decimal megabytes, the stricter reading
warn=240000000
mkdir -p "$work/home"
export HOME="$work/home" NUGET_PACKAGES="$packages" NUGET_HTTP_CACHE_PATH="$http_cache"

echo "tool package test: packing DeepDream.Cli $version for linux-x64 with build/pack-local.sh"
( cd "$repo" && build/pack-local.sh --version "$version" "$feed" )
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

echo "tool package test: the README's line, outside the clone: dotnet tool install --global DeepDream.Cli"
cd "$work"
dotnet tool install --global DeepDream.Cli >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
grep -q "$version" "$work/install.log" || { echo "tool package test: did not install $version:" >&2; cat "$work/install.log" >&2; exit 1; }
deepdream="$HOME/.dotnet/tools/deepdream"
run() { echo "+ deepdream $*"; "$deepdream" "$@" -q --octaves 1 --steps 1 --seed 1; }
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
