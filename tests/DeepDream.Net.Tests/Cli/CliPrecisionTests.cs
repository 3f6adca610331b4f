using System.Text.Json;
using DeepDream.Tests.TestSupport;

namespace DeepDream.Tests.Cli;

/// <summary><c>--precision</c>: bf16 reaches the model and the JSON report, fp32 is the default, anything else is a usage error.</summary>
public sealed class CliPrecisionTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private Task<CliResult> RunOnnx(params string[] args)
    {
        var path = TinyOnnxModel.Save();
        return _cli.Run(args, _ => DreamModels.FromOnnx(path, DeepDream.Features.Preprocessing.Raw), CancellationToken.None);
    }

    [Theory]
    [InlineData(null, "fp32")]
    [InlineData("bf16", "bf16")]
    [InlineData("BFloat16", "bf16")]
    [InlineData("fp32", "fp32")]
    public async Task Precision_IsUsedAndReported(string? given, string reported)
    {
        var input = _cli.WriteNoise("in.png", 24, 20);
        var output = _cli.PathOf("out.png");
        string[] precision = given is null ? [] : ["--precision", given];
        var result = await RunOnnx(["dream", input, "-o", output, "--layer", "y", "--octaves", "1", "--steps", "2", "--seed", "1", .. precision, "--json", "--quiet"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(reported, json.RootElement.GetProperty("settings").GetProperty("precision").GetString());
        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task BFloat16Dream_ThatTurnsNaN_Exits4_AndSuggestsPrecisionFp32()
    {
        // elementwise computes 1/(x + 0.5): bfloat16 rounds some x + 0.5 to exactly 0, float32 does not.
        var model = Path.Combine(AppContext.BaseDirectory, "TestData", "onnx-ops", "elementwise-torch2.6-opset17.onnx");
        var input = _cli.WriteNoise("in.png", 96, 64);
        string[] common = ["dream", input, "--model", model, "--layer", "/Reciprocal_output_0", "--octaves", "2", "--steps", "2", "--seed", "1", "-q"];
        var bf16 = await _cli.RunReal([.. common, "-o", _cli.PathOf("bf16.png"), "--precision", "bf16"]);
        Assert.True(bf16.ExitCode == 4, bf16.ToString());
        Assert.Contains("NaN or infinite pixels", bf16.Stderr);
        Assert.Contains("the network ran in bfloat16", bf16.Stderr);
        Assert.Contains("; pass --precision fp32 (", bf16.Stderr);
        Assert.DoesNotContain("Precision.Float32", bf16.Stderr);
        Assert.False(File.Exists(_cli.PathOf("bf16.png")));

        var fp32 = await _cli.RunReal([.. common, "-o", _cli.PathOf("fp32.png"), "--precision", "fp32"]);
        Assert.True(fp32.ExitCode == 0, fp32.ToString());
    }

    [Fact]
    public async Task Precision_Unknown_IsAUsageError()
    {
        var input = _cli.WriteNoise("in.png", 24, 20);
        var result = await _cli.RunTiny(["dream", input, "-o", _cli.PathOf("out.png"), "--precision", "fp16"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--precision must be fp32 or bf16, got 'fp16'", result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
    }
}
