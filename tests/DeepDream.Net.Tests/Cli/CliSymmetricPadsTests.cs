using DeepDream.Tests.Models.Onnx;

namespace DeepDream.Tests.Cli;

/// <summary>
/// <c>--symmetric-pads</c>: a CNTK-style export (a 3×3 stride-2 convolution padded <c>[1,1,0,0]</c> beside a 1×1 stride-2
/// shortcut) fails on odd sizes unless both sides are padded by the begin amount; the failure points to the option.
/// </summary>
public sealed class CliSymmetricPadsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string WriteCntkStyleModel()
    {
        var bytes = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
            .Init("w", [.. Enumerable.Range(0, 2 * 3 * 3 * 3).Select(i => (i % 5 - 2) * 0.1f)], 2, 3, 3, 3)
            .Init("s", [0.5f, -0.25f, 0.75f, 0.1f, 0.6f, -0.4f], 2, 3, 1, 1)
            .Node("Conv", ["x", "w"], ["main"], name: "main", attributes: [("pads", new long[] { 1, 1, 0, 0 }), ("strides", new long[] { 2, 2 }), ("kernel_shape", new long[] { 3, 3 })])
            .Node("Conv", ["x", "s"], ["shortcut"], name: "shortcut", attributes: [("strides", new long[] { 2, 2 }), ("kernel_shape", new long[] { 1, 1 })])
            .Node("Add", ["main", "shortcut"], ["y"], name: "block")
            .ToBytes();
        var path = _cli.PathOf("cntk.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private Task<CliResult> Dream(string model, string input, string output, params string[] more) =>
        _cli.RunReal(["dream", input, "-o", output, "--model", model, "--preprocess", "raw", "--layer", "y", "--octaves", "1", "--steps", "1", "--seed", "1", .. more]);

    [Fact]
    public async Task OddSize_WithoutTheOption_Exits4_PointingToIt_AndWithItDreams()
    {
        var model = WriteCntkStyleModel();
        var input = _cli.WriteNoise("in.png", 16, 15); // rows: 3×3 stride 2 with pads 1,0 gives 7, the 1×1 shortcut 8
        var output = _cli.PathOf("out.png");
        var failed = await Dream(model, input, output);
        Assert.True(failed.ExitCode == 4, failed.ToString());
        Assert.Contains("The forward pass of cntk failed on a 16×15 input: The size of tensor a (7) must match the size of tensor b (8)", failed.Stderr);
        Assert.Contains("— if the model was exported by CNTK (asymmetric pads such as [1,1,0,0] in its stride-2 layers), pass --symmetric-pads; otherwise", failed.Stderr);
        Assert.DoesNotContain("OnnxImportOptions", failed.Stderr);
        Assert.False(File.Exists(output));

        var dreamed = await Dream(model, input, output, "--symmetric-pads");
        Assert.True(dreamed.ExitCode == 0, dreamed.ToString());
        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task TheOption_WithoutAnOnnxModel_IsAUsageError()
    {
        var input = _cli.WriteNoise("in.png", 16, 15);
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--symmetric-pads");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --symmetric-pads applies only to a .onnx model", result.Stderr);
    }
}
