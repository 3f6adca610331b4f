namespace DeepDream.Tests.Cli;

/// <summary>Every exit code of <c>deepdream dream</c>, with the message the user sees.</summary>
public sealed class CliExitCodeTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Success_Exits0_AndWritesTheOutput()
    {
        var input = _cli.WriteNoise("in.png");
        var output = _cli.PathOf("out.png");
        var result = await _cli.RunTiny("dream", input, "-o", output, "--layer", "conv2", "--octaves", "2", "--steps", "2", "--seed", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(output));
        Assert.Equal("", result.Stdout);
        Assert.NotEqual(CliHarness.Pixels(input), CliHarness.Pixels(output));
    }

    [Theory]
    [InlineData("out.xyz", ".xyz")]
    [InlineData("out", "use one of")]
    public async Task UnknownOutputExtension_Exits2_BeforeTheModelIsLoaded(string outputName, string expected)
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf(outputName), "--layer", "conv2");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Cannot tell the output format", result.Stderr);
        Assert.Contains(expected, result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
        Assert.DoesNotContain("   at ", result.Stderr); // no stack trace
    }

    [Theory]
    [InlineData("--octaves", "0", "--octaves must be at least 1")]
    [InlineData("--octaves", "abc", "Cannot parse argument 'abc' for option '--octaves'")]
    [InlineData("--octave-scale", "1", "--octave-scale must be greater than 1")]
    [InlineData("--octave-scale", "1,4", "--octave-scale expects a number")]
    [InlineData("--steps", "-2", "--steps must be at least 1")]
    [InlineData("--step-size", "0", "--step-size must be in (0, 1]")]
    [InlineData("--step-size", "2", "--step-size must be in (0, 1]")]
    [InlineData("--jitter", "-1", "--jitter must be 0")]
    [InlineData("--tile-size", "32", "--tile-size must be between 64 and 8192")]
    [InlineData("--tile-size", "100000", "--tile-size must be between 64 and 8192")]
    [InlineData("--channels", "5-2", "the range 5-2 runs backwards")]
    [InlineData("--channels", "1,x", "'x' is not a channel index")]
    [InlineData("--channels", "1,1", "channel 1 appears twice")]
    [InlineData("--layer", "conv2=heavy", "--layer expects a number")]
    [InlineData("--device", "tpu", "Unknown --device 'tpu'")]
    [InlineData("--preprocess", "caffe", "apply only to a .onnx model")]
    [InlineData("--arch", "resnet50", "--arch resnet50 needs a weights file")]
    public async Task BadOptionValue_Exits2_NamingTheOption(string option, string value, string message)
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), option, value);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
        Assert.False(File.Exists(_cli.PathOf("out.png")));
    }

    [Fact]
    public async Task UnknownOption_Exits2_WithHelpHint()
    {
        var result = await _cli.RunTiny("dream", "in.png", "-o", "out.png", "--octave", "3");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--octave", result.Stderr);
        Assert.Contains("Run 'deepdream dream --help' for usage.", result.Stderr);
    }

    [Fact]
    public async Task UnknownLayer_Exits2_AndListsTheValidLayers()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "layer9");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown layer 'layer9' for model 'tiny'; valid layers: conv1, conv2.", result.Stderr);
        Assert.DoesNotContain("(Parameter", result.Stderr);
        Assert.Equal(1, _cli.ModelLoads);
    }

    [Fact]
    public async Task ChannelOutOfRange_Exits2()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "conv2", "--channels", "0-2,6");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("6", result.Stderr);
    }

    [Theory]
    [InlineData(new[] { "--layer", "conv1", "--layer", "conv2", "--channels", "0" }, "--channels applies to a single layer")]
    [InlineData(new[] { "--layer", "conv1", "--layer", "conv2", "--guide", "g.png" }, "--guide works on a single layer")]
    [InlineData(new[] { "--layer", "conv2", "--channels", "0", "--guide", "g.png" }, "--guide and --channels cannot be combined")]
    [InlineData(new[] { "--layer", "conv2", "--layer", "conv2=2" }, "Layer 'conv2' is given twice")]
    public async Task ConflictingOptions_Exit2_AndSaySo(string[] options, string message)
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny(["dream", input, "-o", _cli.PathOf("out.png"), .. options]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public async Task MissingInput_Exits3_BeforeTheModelIsLoaded()
    {
        var missing = _cli.PathOf("nope.png");
        var result = await _cli.RunTiny("dream", missing, "-o", _cli.PathOf("out.png"), "--layer", "conv2");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"Image file '{missing}' does not exist", result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task TextFileNamedPng_Exits3_NamingTheFile()
    {
        var input = _cli.PathOf("notes.png");
        await File.WriteAllTextAsync(input, "these are not pixels");
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "conv2");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains(input, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    [Fact]
    public async Task ImageBelowTheModelsMinimum_Exits3()
    {
        var input = _cli.WriteNoise("dot.png", 1, 1);
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "conv2");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("The image is 1×1 pixels but the model needs at least 2×2", result.Stderr);
        Assert.False(File.Exists(_cli.PathOf("out.png")));
    }

    [Fact]
    public async Task MissingGuide_Exits3()
    {
        var input = _cli.WriteNoise("in.png");
        var guide = _cli.PathOf("guide.png");
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "conv2", "--guide", guide);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains(guide, result.Stderr);
    }

    [Fact]
    public async Task OutputFolderMissing_Exits3()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf(Path.Combine("no", "such", "out.png")), "--layer", "conv2");
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task MissingOnnxModel_Exits4_NamingTheFile()
    {
        var input = _cli.WriteNoise("in.png");
        var model = _cli.PathOf("missing.onnx");
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", model);
        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"The model file '{model}' does not exist", result.Stderr);
    }

    [Fact]
    public async Task GarbageOnnxModel_Exits4_NamingTheFile()
    {
        var input = _cli.WriteNoise("in.png");
        var model = _cli.PathOf("garbage.onnx");
        await File.WriteAllBytesAsync(model, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 % 251))]);
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", model);
        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("garbage.onnx", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.False(File.Exists(_cli.PathOf("out.png")));
    }

    [Fact]
    public async Task WeightsFileWithoutArch_Exits2()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", _cli.PathOf("w.pth"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("needs --arch", result.Stderr);
    }

    [Fact]
    public async Task UnknownModelName_Exits2()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunReal("dream", input, "-o", _cli.PathOf("out.png"), "--model", "vgg99");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown model 'vgg99'", result.Stderr);
    }

    [Fact]
    public async Task PreCancelledToken_Exits130_AndWritesNothing()
    {
        var input = _cli.WriteNoise("in.png");
        var output = _cli.PathOf("out.png");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var result = await _cli.Run(["dream", input, "-o", output, "--layer", "conv2", "--octaves", "2", "--steps", "2"],
            _ => new TestSupport.TinyExtractor(), cancelled.Token);
        Assert.Equal(130, result.ExitCode);
        Assert.False(File.Exists(output));
        Assert.Contains("Cancelled", result.Stderr);
        Assert.Equal([Path.GetFileName(input)], Directory.GetFiles(_cli.Folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CancelledDuringTheRun_Exits130_KeepsExistingOutputAndSavedOctaves()
    {
        var input = _cli.WriteNoise("in.png");
        var output = _cli.PathOf("out.png");
        var before = _cli.WriteNoise("out.png", 10, 10, seed: 99);
        var original = await File.ReadAllBytesAsync(before);
        var octaves = _cli.PathOf("octaves");
        using var source = new CancellationTokenSource();
        // 3 steps per octave, one forward pass per step: cancelling at the 5th pass is inside octave 2.
        var result = await _cli.Run(["dream", input, "-o", output, "--layer", "conv2", "--octaves", "3", "--steps", "3", "--save-octaves", octaves],
            _ => new CancellingExtractor(source, cancelAfterCalls: 5), source.Token);
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal(original, await File.ReadAllBytesAsync(output));
        Assert.Equal(["octave-1.png"], Directory.GetFiles(octaves).Select(Path.GetFileName));
        Assert.Equal(["in.png", "out.png"], Directory.GetFiles(_cli.Folder).Select(Path.GetFileName).Order());
    }
}
