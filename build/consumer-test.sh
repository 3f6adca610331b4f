#!/usr/bin/env bash
# Consumer test: pack DeepDream.Net to a local folder, create a fresh console app OUTSIDE the solution that references only
# DeepDream.Net (from that folder) and TorchSharp-cpu, run the README snippet with the embedded model on a sample image
# and check that an image of the input's size with different pixels came out. The app sets no extra properties: on
# Debian 12 / Ubuntu 22.04 the package's own buildTransitive GLIBCXX step is what makes TorchSharp load.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/deepdream-consumer.XXXXXX)
feed="$work/feed"
base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)
# A unique version per run, so the NuGet cache never serves an older build of the same version.
version="$base-consumer.$(date +%s)"
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}/deepdream.net/$version"
trap 'rm -rf "$work" "$cache"' EXIT

echo "consumer test: packing DeepDream.Net $version"
dotnet pack "$repo/src/DeepDream.Net/DeepDream.Net.csproj" -c Release -o "$feed" -v quiet -nologo -p:Version="$version"
test -f "$feed/DeepDream.Net.$version.nupkg"
test -f "$feed/DeepDream.Net.$version.snupkg"

app="$work/app"
mkdir -p "$app"
cp "$repo/samples/images/chelsea.png" "$app/input.png"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat > "$app/ConsumerApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="DeepDream.Net" Version="$version" />
    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
  </ItemGroup>
</Project>
XML
cat > "$app/Program.cs" <<'CS'
using DeepDream;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

using var img = Image.Load<Rgb24>("input.png");
using var output = new DreamBuilder().UseModel(DreamModels.ResNet18()).Octaves(4).Steps(2).Seed(1).Run(img);
output.SaveAsPng("output.png");

var changed = 0;
for (var y = 0; y < img.Height; y++)
    for (var x = 0; x < img.Width; x++)
        if (!img[x, y].Equals(output[x, y])) changed++;
Console.WriteLine($"output {output.Width}x{output.Height}, input {img.Width}x{img.Height}, changed pixels {changed}");
if (output.Width != img.Width || output.Height != img.Height || changed < img.Width * img.Height / 2) return 1;
return 0;
CS
echo "consumer test: building and running a fresh app in $app"
(cd "$app" && dotnet run -c Release 2>&1 | tee "$work/run.log")
grep -q "DeepDream.Net: marked GLIBCXX_3.4.32 weak\|changed pixels" "$work/run.log"
test -f "$app/output.png"
echo "consumer test: passed"
