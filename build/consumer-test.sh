#!/usr/bin/env bash
# Consumer test (run by .ci/run): the install lines and the documentation snippets, on a fresh app outside the solution.
#  1. Runs the README's install step in the clone, `build/pack-local.sh` (library only, and a unique version per run, so
#     the NuGet cache never serves an older build), which packs into artifacts/packages and registers that folder as the
#     user-wide package source 'deepdream-local'.
#  2. Creates a fresh console app MyApp with `dotnet new console` OUTSIDE the clone and adds the packages there with the
#     README's lines, as written:
#       dotnet add package DeepDream.Net
#       dotnet add package TorchSharp-cpu --version 0.107.0
#     All of it under a throw-away HOME (so the user-wide NuGet.Config the script writes is a temporary one, and the
#     machine's own is untouched); the package caches are the machine's, so it restores offline once they are filled.
#     Between the two lines it checks that building a dreamer without a backend package fails with the documented
#     error naming TorchSharp-cpu. The app also gets a MyApp.Models namespace (the most common namespace in .NET apps).
#  3. Extracts EVERY ```csharp block of README.md and docs/*.md (except the generated docs/api.md) into the app, each as
#     the body of a method in namespace MyApp (build/snippets/extract.awk; free variables such as `image` come from
#     build/snippets/SnippetContext.cs), and builds the app with warnings as errors: a snippet that stops compiling
#     fails this test, with the error pointing at the Markdown file and line.
#  4. Runs the README's first snippet on a small copy of a sample photo and checks the dream it wrote.
# The app sets no extra properties: on Debian 12 / Ubuntu 22.04 the package's own buildTransitive GLIBCXX step is what
# makes TorchSharp load.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/deepdream-consumer.XXXXXX)
feed="$repo/artifacts/packages" # pack-local.sh's default folder, as the README uses it
base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)
if ! [[ "$base" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "consumer test: <Version> '$base' is not MAJOR.MINOR.PATCH; adapt the unique version below" >&2
  exit 1
fi
# A unique, stable (4-part) version per run: the newest in the folder, so `dotnet add package` without --version takes it.
version="$base.$(date +%s)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The shared caches, found before HOME moves: packages already extracted here are not extracted again.
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
http_cache=$(dotnet nuget locals http-cache --list | sed -n 's/^http-cache: //p')
trap 'rm -rf "$work" "$packages/deepdream.net/$version" "$feed/DeepDream.Net.$version.nupkg" "$feed/DeepDream.Net.$version.snupkg"' EXIT
repo_config=$(cksum <"$repo/nuget.config")

# A throw-away HOME: the user-wide NuGet.Config that pack-local.sh writes lives (and dies) there.
mkdir -p "$work/home"
export HOME="$work/home" NUGET_PACKAGES="$packages" NUGET_HTTP_CACHE_PATH="$http_cache"

echo "consumer test: the README's install step in the clone: build/pack-local.sh (library only, version $version)"
( cd "$repo" && build/pack-local.sh --no-tool --version "$version" )
test -f "$feed/DeepDream.Net.$version.nupkg"
test -f "$feed/DeepDream.Net.$version.snupkg"
grep -q "key=\"deepdream-local\" value=\"$feed\"" "$HOME/.nuget/NuGet/NuGet.Config" \
  || { echo "consumer test: pack-local.sh did not register $feed user-wide:" >&2; cat "$HOME/.nuget/NuGet/NuGet.Config" >&2; exit 1; }
[ "$(cksum <"$repo/nuget.config")" = "$repo_config" ] \
  || { echo "consumer test: pack-local.sh changed the repository's nuget.config" >&2; exit 1; }

echo "consumer test: a fresh app in $work/MyApp (outside the clone), packages added with the README's lines"
cd "$work"
dotnet new console --name MyApp --output MyApp >/dev/null
cd MyApp
dotnet add package DeepDream.Net >"$work/add.log" 2>&1 || { cat "$work/add.log"; exit 1; }
# Before the backend line: building a dreamer fails with the documented one-line error that names the package to add.
echo 'using var dreamer = new DeepDream.DreamBuilder().Build();' > Program.cs
dotnet build -c Release -nologo -v quiet >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
if dotnet run -c Release --no-build >"$work/nobackend.out" 2>"$work/nobackend.err"; then
  echo "consumer test: without TorchSharp-cpu, building a dreamer should fail" >&2; exit 1
fi
grep -q "DeepDream.DependencyMissingException: TorchSharp's native backend (libtorch) is missing: .* Add the TorchSharp-cpu 0.107.0 package to the application" "$work/nobackend.err" \
  || { echo "consumer test: without TorchSharp-cpu, not the documented error:" >&2; head -c 2000 "$work/nobackend.err" >&2; exit 1; }
echo "consumer test: without a backend package, Build() names the package to add (as documented)"
dotnet add package TorchSharp-cpu --version 0.107.0 >>"$work/add.log" 2>&1 || { cat "$work/add.log"; exit 1; }
grep -q "Include=\"DeepDream.Net\" Version=\"$version\"" MyApp.csproj \
  || { echo "consumer test: dotnet add package did not take DeepDream.Net $version:" >&2; cat MyApp.csproj >&2; exit 1; }

mkdir -p Models Snippets
cp "$repo/build/snippets/Photo.cs" Models/Photo.cs
cp "$repo/build/snippets/SnippetContext.cs" Snippets/SnippetContext.cs
cp "$repo/build/snippets/RunFirstSnippet.cs" Program.cs
for doc in "$repo/README.md" "$repo"/docs/*.md; do
  name=${doc#"$repo/"}
  [ "$name" = docs/api.md ] && continue
  prefix=$(basename "$name" .md | tr -c 'A-Za-z0-9\n' '_')
  awk -v file="$doc" -v out=Snippets -v prefix="$prefix" -f "$repo/build/snippets/extract.awk" "$doc"
done
count=$(ls Snippets | grep -vc '^SnippetContext.cs$' || true)
test -f Snippets/README_1.cs || { echo "consumer test: README.md has no csharp snippet" >&2; exit 1; }
echo "consumer test: building $count documentation snippets (README.md, docs/*.md) in namespace MyApp"
# The names the first snippet reads and writes: its first image-file string literal, then the next one.
mapfile -t names < <(grep -v '^#line' Snippets/README_1.cs | grep -oE '"[^"/]+\.(png|jpg|jpeg)"' | tr -d '"')
if [ "${#names[@]}" -lt 2 ]; then
  echo "consumer test: README snippet 1 should load one image file and save another (found: ${names[*]:-none})" >&2
  exit 1
fi
dotnet build -c Release -nologo -v quiet -p:TreatWarningsAsErrors=true
dotnet run -c Release --no-build -- "$repo/samples/images/chelsea.png" "${names[0]}" "${names[1]}" "$work/run"
echo "consumer test: passed"
