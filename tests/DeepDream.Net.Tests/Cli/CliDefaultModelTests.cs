using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Cli;

/// <summary>
/// The tool with its real default model, the embedded ImageNet ResNet18. These fail (with the tool's own message) when
/// the model is missing from the build.
/// </summary>
public sealed class CliDefaultModelTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Layers_DefaultModel_ListsLayer3With256Channels()
    {
        var result = await _cli.RunReal("layers");
        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.StartsWith("# resnet18, input 224x224", result.Stdout);
        Assert.Equal(["layer1", "1x64x56x56", "64"], rows.Single(r => r[0] == "layer1"));
        Assert.Equal(["layer3", "1x256x14x14", "256"], rows.Single(r => r[0] == "layer3"));
        Assert.Equal(["layer4", "1x512x7x7", "512"], rows.Single(r => r[0] == "layer4"));
    }

    [Fact]
    public async Task Dream_DefaultModel_Json_AndSeedReproducible()
    {
        var input = _cli.WriteSample("chelsea.png", 64, "cat.png");
        string[] args = ["--octaves", "2", "--steps", "2", "--seed", "21", "--quiet"];
        var first = await _cli.RunReal(["dream", input, "-o", _cli.PathOf("a.png"), .. args, "--json"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        using var json = JsonDocument.Parse(first.Stdout);
        var root = json.RootElement;
        Assert.Equal("resnet18", root.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal("L2(layer3)", root.GetProperty("objective").GetString());
        Assert.Equal(21, root.GetProperty("seed").GetInt32());
        using (var source = Image.Load<Rgb24>(input))
        {
            Assert.Equal((64, source.Height), (root.GetProperty("output").GetProperty("width").GetInt32(), root.GetProperty("output").GetProperty("height").GetInt32()));
        }
        Assert.True(root.GetProperty("timings").GetProperty("loadSeconds").GetDouble() > 0);
        Assert.Equal(2, root.GetProperty("octaves").GetArrayLength());

        var second = await _cli.RunReal(["dream", input, "-o", _cli.PathOf("b.png"), .. args]);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(_cli.PathOf("a.png")), await File.ReadAllBytesAsync(_cli.PathOf("b.png")));
        Assert.NotEqual(CliHarness.Pixels(input), CliHarness.Pixels(_cli.PathOf("a.png")));
    }

    [Fact]
    public async Task Dream_DefaultModel_UnknownLayer_Exits2_ListingLayer3()
    {
        var input = _cli.WriteSample("chelsea.png", 64, "cat.png");
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "layer9");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("Unknown layer 'layer9' for model 'resnet18'", result.Stderr);
        Assert.Contains("layer3", result.Stderr);
    }

    [Fact]
    public async Task Dream_DefaultModel_WebpOutput_IsWritten()
    {
        var input = _cli.WriteSample("astronaut.png", 48, "astro.png");
        var output = _cli.PathOf("astro.webp");
        var result = await _cli.RunReal("dream", input, "-o", output, "--octaves", "1", "--steps", "1", "--seed", "1", "--layer", "layer2=0.5", "--layer", "layer3");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var image = Image.Load<Rgb24>(output);
        Assert.Equal((48, 48), (image.Width, image.Height));
    }
}
