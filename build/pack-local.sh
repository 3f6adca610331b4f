#!/usr/bin/env bash
# Packs DeepDream.Net (the library) and DeepDream.Cli (the `deepdream` .NET tool) into a local folder, so both can be
# installed before they are on a public feed:
#
#   build/pack-local.sh                                        # writes artifacts/packages/ (the default folder)
#   dotnet nuget add source "$PWD/artifacts/packages" --name deepdream-local    # once per machine
#   dotnet add package DeepDream.Net                           # then, in an app, the usual lines
#   dotnet tool install --global DeepDream.Cli
#
# Options:
#   --no-tool          pack only the library (the tool's platform package carries libtorch: ~1–2 min and ~200 MB)
#   --all-platforms    pack the tool for every platform it supports (linux-x64, win-x64, osx-arm64), not only this one
#   --version V        package version (default: <Version> in Directory.Build.props)
#   DIR                output folder (default: artifacts/packages under the repository)
#
# NuGet caches a package by id and version: after repacking the same version, the cached copies of these packages in
# the global packages folder are removed so the next restore takes the new build (nothing else is touched). An installed
# global tool keeps its copy: `dotnet tool uninstall --global DeepDream.Cli`, then install it again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/artifacts/packages"
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)
tool=true
all_platforms=false
while [ $# -gt 0 ]; do
  case "$1" in
    --no-tool) tool=false ;;
    --all-platforms) all_platforms=true ;;
    --version) version="$2"; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "pack-local.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) out="$1" ;;
  esac
  shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# The platform this machine runs, in the tool's RID names.
rid() {
  local os arch
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=osx ;; MINGW*|MSYS*|CYGWIN*) os=win ;; *) os=unknown ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; arm64|aarch64) arch=arm64 ;; *) arch=unknown ;; esac
  echo "$os-$arch"
}

echo "pack-local: DeepDream.Net $version -> $out"
dotnet pack "$repo/src/DeepDream.Net/DeepDream.Net.csproj" -c Release -o "$out" -nologo -v quiet -p:PackageVersion="$version"
packed=(deepdream.net)

if $tool; then
  rids=""
  if ! $all_platforms; then
    rids=$(rid)
    case "$rids" in linux-x64|win-x64|osx-arm64) ;; *)
      echo "pack-local: the tool has no package for $rids (TorchSharp-cpu ships linux-x64, win-x64, osx-arm64); use --no-tool" >&2
      exit 1 ;;
    esac
  fi
  echo "pack-local: DeepDream.Cli $version (${rids:-all platforms}) -> $out"
  dotnet pack "$repo/src/DeepDream.Cli/DeepDream.Cli.csproj" -c Release -o "$out" -nologo -v quiet -p:PackageVersion="$version" \
    ${rids:+-p:ToolPackageRuntimeIdentifiers=$rids}
  packed+=(deepdream.cli deepdream.cli.linux-x64 deepdream.cli.win-x64 deepdream.cli.osx-arm64)
fi

cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
for id in "${packed[@]}"; do rm -rf "${cache:?}/$id/$version"; done

echo "pack-local: done:"
ls -1 "$out" | grep -F ".$version." | sed 's/^/  /'
