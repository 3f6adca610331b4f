using System.Text.Json;
using DeepDream.Tests.Models.Onnx;

namespace DeepDream.Tests.Cli;

/// <summary>The real model sources through the CLI: an ONNX file with preprocessing options, a TorchVision weights file with --arch.</summary>
public sealed class CliModelSourceTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string WriteConvRelu()
    {
        var bytes = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
            .Init("w", [.. Enumerable.Range(0, 54).Select(i => (i % 7 - 3) * 0.1f)], 2, 3, 3, 3)
            .Init("b", [0.5f, -0.5f], 2)
            .Node("Conv", ["x", "w", "b"], ["c"], name: "conv1")
            .Node("Relu", ["c"], ["y"], name: "relu1")
            .ToBytes();
        var path = _cli.PathOf("convrelu.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task Onnx_WithCustomPreprocessing_DreamsAndReportsIt()
    {
        var model = WriteConvRelu();
        var input = _cli.WriteNoise("in.png", 24, 20);
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", model, "--mean", "0.5,0.5,0.5", "--std", "0.25,0.25,0.25", "--bgr",
            "--layer", "y", "--octaves", "1", "--steps", "2", "--seed", "1", "--json", "--quiet");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var info = json.RootElement.GetProperty("model");
        Assert.Equal("onnx", info.GetProperty("source").GetString());
        Assert.Equal(model, info.GetProperty("path").GetString());
        Assert.Equal("BGR ×1 mean (0.5, 0.5, 0.5) std (0.25, 0.25, 0.25)", info.GetProperty("preprocessing").GetString());
        Assert.Equal("L2(y)", json.RootElement.GetProperty("objective").GetString());
    }

    [Theory]
    [InlineData("imagenet", "RGB ×1 mean (0.485, 0.456, 0.406) std (0.229, 0.224, 0.225)")]
    [InlineData("caffe", "BGR ×255 mean (104, 117, 123) std (1, 1, 1)")]
    [InlineData("raw", "RGB ×1 mean (0, 0, 0) std (1, 1, 1)")]
    public async Task Onnx_PreprocessPresets(string preset, string expected)
    {
        var model = WriteConvRelu();
        var input = _cli.WriteNoise("in.png", 16, 16);
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", model, "--preprocess", preset,
            "--layer", "c", "--octaves", "1", "--steps", "1", "--seed", "1", "--json", "--quiet");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(expected, json.RootElement.GetProperty("model").GetProperty("preprocessing").GetString());
    }

    [Theory]
    [InlineData(new[] { "--preprocess", "bgr" }, "Unknown --preprocess 'bgr'")]
    [InlineData(new[] { "--preprocess", "caffe", "--mean", "1,2,3" }, "either --preprocess or --mean")]
    [InlineData(new[] { "--std", "1,0,1" }, "Bad preprocessing options: Every std value must be a positive finite number.")]
    [InlineData(new[] { "--arch", "resnet18" }, "--arch applies only to .pth")]
    public async Task Onnx_BadPreprocessingOptions_Exit2(string[] options, string message)
    {
        var model = WriteConvRelu();
        var input = _cli.WriteNoise("in.png", 16, 16);
        var result = await _cli.RunReal(["dream", input, "-o", _cli.PathOf("out.png"), "--model", model, .. options]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task Onnx_UnsupportedOperator_Exits4_NamingIt()
    {
        var path = _cli.PathOf("nms.onnx");
        File.WriteAllBytes(path, new OnnxTestWriter().Input("x").Output("y").Node("Relu", ["x"], ["r"]).Node("NonMaxSuppression", ["r"], ["y"], name: "my_nms").ToBytes());
        var result = await _cli.RunReal("layers", "--model", path);
        Assert.Equal(4, result.ExitCode);
        Assert.Contains("'NonMaxSuppression'", result.Stderr);
        Assert.Contains(path, result.Stderr);
    }

    [Fact]
    public async Task Onnx_Layers_ListsNodeOutputs()
    {
        var result = await _cli.RunReal("layers", "--model", WriteConvRelu(), "--size", "10x8");
        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // A 3×3 convolution without padding: 10×8 becomes 8×6.
        Assert.Equal([["c", "1x2x6x8", "2"], ["y", "1x2x6x8", "2"]], rows);
    }

    [Fact]
    public async Task TorchVision_UnknownArchitecture_Exits2_ListingTheSupportedOnes()
    {
        var weights = _cli.PathOf("w.pth");
        await File.WriteAllBytesAsync(weights, [1, 2, 3]);
        var result = await _cli.RunReal("layers", "--model", weights, "--arch", "resnet9000");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--arch resnet9000:", result.Stderr);
        Assert.Contains("googlenet", result.Stderr);
        Assert.DoesNotContain("(Parameter", result.Stderr);
    }

    [Fact]
    public async Task TorchVision_GarbageWeights_Exits4()
    {
        var weights = _cli.PathOf("w.pth");
        await File.WriteAllBytesAsync(weights, [1, 2, 3]);
        var result = await _cli.RunReal("layers", "--model", weights, "--arch", "resnet18");
        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("w.pth", result.Stderr);
    }

    [Fact]
    public async Task TorchVision_GoogLeNetFixture_ListsInceptionLayers()
    {
        var weights = Path.Combine(AppContext.BaseDirectory, "TestData", "fixtures", "googlenet_seed0.pth");
        var result = await _cli.RunReal("layers", "--model", weights, "--arch", "googlenet", "--size", "96x96");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("# googlenet, input 96x96, 278 layers, default dream layer inception4c\n", result.Stdout);
        var row = result.Stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(r => r.Length > 0 && r[0] == "inception4c");
        Assert.Equal(["inception4c", "1x512x6x6", "512"], row);
    }

    [Fact]
    public async Task TorchVision_GoogLeNet_WithoutLayer_DreamsOnInception4c()
    {
        var weights = Path.Combine(AppContext.BaseDirectory, "TestData", "fixtures", "googlenet_seed0.pth");
        var input = _cli.WriteSample("chelsea.png", 64, "cat.png");
        var output = _cli.PathOf("o.png");
        var result = await _cli.RunReal("dream", input, "-o", output, "--model", weights, "--arch", "googlenet",
            "--octaves", "1", "--steps", "1", "--seed", "1", "--json", "--quiet");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("L2(inception4c)", json.RootElement.GetProperty("objective").GetString());
        Assert.NotEqual(CliHarness.Pixels(input), CliHarness.Pixels(output));
    }

    [Fact]
    public async Task Onnx_FromElsewhere_WithoutLayer_DreamsOnTheLastOneSixteenthLayer()
    {
        var model = _cli.PathOf("ladder.onnx");
        File.WriteAllBytes(model, TestSupport.StrideLadderOnnx.Create().ToBytes());
        var input = _cli.WriteNoise("in.png", 48, 40);
        var output = _cli.PathOf("o.png");
        var result = await _cli.RunReal("dream", input, "-o", output, "--model", model, "--preprocess", "raw",
            "--octaves", "1", "--steps", "2", "--seed", "1", "--json", "--quiet");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal("L2(r4)", json.RootElement.GetProperty("objective").GetString());
        Assert.Equal("r4", json.RootElement.GetProperty("layers")[0].GetProperty("name").GetString());
        Assert.NotEqual(CliHarness.Pixels(input), CliHarness.Pixels(output));
    }

    [Fact]
    public async Task Onnx_WithoutADefaultLayer_Exits2_AskingForLayerWithTheListingCommand()
    {
        var model = WriteConvRelu(); // two channels only: no layer qualifies as a default
        var input = _cli.WriteNoise("in.png", 16, 16);
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", model);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"The model 'convrelu' has no default dream layer; choose one with --layer (list them with `deepdream layers --model {model}`).", result.Stderr);
    }

    [Fact]
    public async Task Onnx_UnknownLayer_Exits2_WithTheListingCommandForThisModel()
    {
        var model = WriteConvRelu();
        var input = _cli.WriteNoise("in.png", 16, 16);
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", model, "--layer", "layer3");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown layer 'layer3' for model 'convrelu'; valid layers: c, y.", result.Stderr);
        Assert.Contains($"List every layer with `deepdream layers --model {model}`.", result.Stderr);
    }
}
