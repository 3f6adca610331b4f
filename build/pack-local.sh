#!/usr/bin/env bash
# Packs DeepDream.Net (the library) and DeepDream.Cli (the `deepdream` .NET tool) into a local folder, and registers that
# folder for your user as the NuGet package source 'deepdream-local', so both install with the usual lines before they
# are on a public feed:
#
#   build/pack-local.sh                        # in the clone: writes artifacts/packages/ and registers it
#   dotnet add package DeepDream.Net           # then, in an app anywhere outside the clone, the usual lines
#   dotnet tool install --global DeepDream.Cli
#
# Options:
#   --no-tool          pack only the library (the tool's platform package carries libtorch: ~1–2 min and ~200 MB)
#   --all-platforms    pack the tool for every platform it supports (linux-x64, win-x64, osx-arm64), not only this one
#   --version V        package version (default: <Version> in Directory.Build.props)
#   --no-register      do not touch the user-wide NuGet config (then pass --add-source DIR, or register DIR yourself)
#   DIR                output folder (default: artifacts/packages under the repository)
#
# The source goes into the user-wide NuGet config (~/.nuget/NuGet/NuGet.Config; %APPDATA%\NuGet\NuGet.Config on
# Windows), created with NuGet's defaults (nuget.org) when there is none: not into this repository's nuget.config, which
# a plain `dotnet nuget add source` run in the clone would pick and no app outside the clone reads. Running the script
# again points 'deepdream-local' at the new folder. Undo: dotnet nuget remove source deepdream-local --configfile CONFIG.
#
# NuGet caches a package by id and version: after repacking the same version, the cached copies of these packages in
# the global packages folder (~/.nuget/packages, or $NUGET_PACKAGES) are removed so the next restore takes the new build
# (nothing else is touched; the script says what it removed). An installed global tool keeps its copy:
# `dotnet tool uninstall --global DeepDream.Cli`, then install it again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/artifacts/packages"
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)
tool=true
all_platforms=false
register=true
while [ $# -gt 0 ]; do
  case "$1" in
    --no-tool) tool=false ;;
    --all-platforms) all_platforms=true ;;
    --no-register) register=false ;;
    --version) version="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
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
for id in "${packed[@]}"; do
  if [ -d "$cache/$id/$version" ]; then
    rm -rf "${cache:?}/$id/$version"
    echo "pack-local: removed the cached $id $version from $cache (the next restore takes this build)"
  fi
done

if $register; then
  # The user-wide config, where NuGet looks from any folder (a repository's own nuget.config only applies inside it).
  case "$(uname -s)" in
    MINGW*|MSYS*|CYGWIN*) config="${APPDATA:?APPDATA is not set}/NuGet/NuGet.Config" ;;
    *) config="$HOME/.nuget/NuGet/NuGet.Config" ;;
  esac
  # NuGet writes its default user config (with nuget.org) the first time it reads settings without one.
  [ -f "$config" ] || (cd "$HOME" && dotnet nuget list source >/dev/null 2>&1) || true
  if [ ! -f "$config" ]; then
    echo "pack-local: could not find or create the user-wide NuGet config $config; register the folder yourself:" >&2
    echo "  dotnet nuget add source \"$out\" --name deepdream-local --configfile PATH-OF-YOUR-NuGet.Config" >&2
    exit 1
  fi
  if grep -q 'key="deepdream-local"' "$config"; then
    dotnet nuget update source deepdream-local --source "$out" --configfile "$config" >/dev/null
    dotnet nuget enable source deepdream-local --configfile "$config" >/dev/null
  else
    dotnet nuget add source "$out" --name deepdream-local --configfile "$config" >/dev/null
  fi
  echo "pack-local: registered $out as the package source 'deepdream-local' in your user-wide NuGet config ($config)"
  echo "  from any folder outside this clone: dotnet add package DeepDream.Net; dotnet tool install --global DeepDream.Cli"
  echo "  undo: dotnet nuget remove source deepdream-local --configfile \"$config\""
fi

echo "pack-local: done:"
ls -1 "$out" | grep -F ".$version." | sed 's/^/  /'
