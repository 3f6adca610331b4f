using DeepDream.Tests.Models.Onnx;
using SixLabors.ImageSharp;

namespace DeepDream.Tests.Cli;

/// <summary><c>--resize-fixed</c>: dreaming on an ONNX layer that computes only at one input size.</summary>
public sealed class CliResizeFixedTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Exported at 16×16: y = conv(x) + a [1, 2, 16, 16] embedding computes only at that size (like ViT).</summary>
    private string WriteEmbeddingModel()
    {
        var bytes = new OnnxTestWriter().Input("x", 1, 3, 16, 16).Output("y")
            .Init("w", [0.5f, -0.25f, 0.75f, 0.1f, 0.6f, -0.4f], 2, 3, 1, 1)
            .Init("position", [.. Enumerable.Range(0, 2 * 16 * 16).Select(i => i % 7 * 0.1f)], 1, 2, 16, 16)
            .Node("Conv", ["x", "w"], ["c"], name: "conv1")
            .Node("Add", ["c", "position"], ["y"], name: "embed")
            .ToBytes();
        var path = _cli.PathOf("embedded.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task FixedSizeLayer_WithoutTheOption_Exits4_SuggestingIt()
    {
        var model = WriteEmbeddingModel();
        var input = _cli.WriteNoise("in.png", 24, 20);
        var output = _cli.PathOf("out.png");
        var result = await _cli.RunReal("dream", input, "-o", output, "--model", model, "--preprocess", "raw", "--layer", "y",
            "--octaves", "1", "--steps", "1", "--seed", "1");
        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("Layer 'y' of 'embedded' computes only at the model's export size 16×16", result.Stderr);
        Assert.Contains("dream on an earlier layer, export the model with dynamic height and width, or pass --resize-fixed.", result.Stderr);
        Assert.DoesNotContain("OnnxImportOptions", result.Stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task FixedSizeLayer_WithTheOption_DreamsAtTheInputSize()
    {
        var model = WriteEmbeddingModel();
        var input = _cli.WriteNoise("in.png", 24, 20);
        var output = _cli.PathOf("out.png");
        var result = await _cli.RunReal("dream", input, "-o", output, "--model", model, "--preprocess", "raw", "--layer", "y",
            "--resize-fixed", "--octaves", "2", "--steps", "2", "--seed", "1", "--quiet");
        Assert.True(result.ExitCode == 0, result.ToString());
        var info = Image.Identify(output);
        Assert.Equal((24, 20), (info.Width, info.Height));
        Assert.NotEqual(CliHarness.Pixels(input), CliHarness.Pixels(output));
    }

    [Fact]
    public async Task Layers_LabelsTheFixedSizeLayer_WithItsSize()
    {
        var result = await _cli.RunReal("layers", "--model", WriteEmbeddingModel(), "--size", "24x20");
        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal([["c", "1x2x20x24", "2"], ["y", "(fixed", "size:", "only", "at", "16x16)", "-"]], rows);
    }

    [Fact]
    public async Task Option_OnAWeightsFileOrTheEmbeddedModel_Exits2()
    {
        var input = _cli.WriteNoise("in.png", 16, 16);
        var embedded = await _cli.RunReal("dream", input, "-o", _cli.PathOf("o.png"), "--resize-fixed");
        Assert.Equal(2, embedded.ExitCode);
        Assert.Contains("--resize-fixed applies only to a .onnx model", embedded.Stderr);
        var weights = _cli.PathOf("w.pth");
        await File.WriteAllBytesAsync(weights, [1, 2, 3]);
        var pth = await _cli.RunReal("layers", "--model", weights, "--arch", "resnet18", "--resize-fixed");
        Assert.Equal(2, pth.ExitCode);
        Assert.Contains("--resize-fixed applies only to a .onnx model", pth.Stderr);
    }
}
