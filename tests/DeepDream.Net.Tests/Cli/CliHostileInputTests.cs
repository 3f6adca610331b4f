using System.Text.Json;
using DeepDream.Tests.TestSupport;

namespace DeepDream.Tests.Cli;

/// <summary>
/// Odd options and files given to <c>deepdream</c> (in-process, tiny model): one-line messages with the documented exit
/// code instead of "Unexpected error", blocked reads or runaway memory.
/// </summary>
public sealed class CliHostileInputTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static void AssertOneLine(CliResult result, int code, string fragment)
    {
        Assert.True(result.ExitCode == code, result.ToString());
        Assert.Contains(fragment, result.Stderr);
        var lines = result.Stderr.TrimEnd().Split('\n');
        Assert.True(lines.Length == 1 && lines[0].Length < 400, $"not one short line: {result.Stderr.Length} chars\n{result.Stderr[..Math.Min(600, result.Stderr.Length)]}");
        Assert.DoesNotContain("Unexpected error", result.Stderr);
        Assert.DoesNotContain("System.", result.Stderr);
    }

    [Fact]
    public async Task MaxIntOctaves_RunsTheOctavesThatExist()
    {
        var input = _cli.WriteNoise("in.png", 24, 20);
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "conv1", "--octaves", "2147483647",
            "--steps", "1", "--seed", "1", "--json", "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.InRange(json.RootElement.GetProperty("settings").GetProperty("octavesRun").GetInt32(), 5, 12);
    }

    [Theory]
    [InlineData("--seed", "abc")]
    [InlineData("--tile-size", "big")]
    public async Task OptionalIntegerOption_NotANumber_SaysIntegerNotNullable(string option, string value)
    {
        var result = await _cli.RunTiny("dream", _cli.WriteNoise("in.png"), "-o", _cli.PathOf("out.png"), option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"Cannot parse argument '{value}' for option '{option}' as an integer", result.Stderr);
        Assert.DoesNotContain("Nullable", result.Stderr);
    }

    [Theory]
    [InlineData("--layer", "conv1=1e39", "float32's range")]
    [InlineData("--layer", "conv1=1e300", "float32's range")]
    [InlineData("--channels", "0-1048576", "indices 0-65535")]
    [InlineData("--channels", "0-60000", "out of range for layer 'conv1'")]
    public async Task OverflowingOrHugeValues_AreOneLineUsageErrors(string option, string value, string fragment)
    {
        string[] layer = option == "--layer" ? [] : ["--layer", "conv1"];
        var result = await _cli.RunTiny(["dream", _cli.WriteNoise("in.png"), "-o", _cli.PathOf("out.png"), .. layer, option, value]);
        AssertOneLine(result, 2, fragment);
        Assert.False(File.Exists(_cli.PathOf("out.png")));
    }

    [Theory]
    [InlineData("--mean", "1e39,1e39,1e39", "float32's range")]
    [InlineData("--std", "1e-45,1e-45,1e-45", "overflows float32")]
    public async Task PreprocessingOverflowingFloat32_IsAUsageError(string option, string value, string fragment)
    {
        var result = await _cli.RunTiny("dream", _cli.WriteNoise("in.png"), "-o", _cli.PathOf("out.png"), "--model", _cli.PathOf("m.onnx"), option, value);
        AssertOneLine(result, 2, fragment);
    }

    [Fact]
    public async Task JsonWithAnInfiniteObjectiveValue_WritesNullInsteadOfFailing()
    {
        // 3e35 keeps every gradient finite, but the objective's value (a sum over all positions) overflows to +∞.
        var output = _cli.PathOf("out.png");
        var result = await _cli.RunTiny("dream", _cli.WriteNoise("in.png", 96, 80), "-o", output, "--layer", "conv1=3e35",
            "--octaves", "1", "--steps", "1", "--jitter", "0", "--seed", "1", "--json", "-q");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("octaves")[0].GetProperty("objective").ValueKind);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task HugeWeightThatOverflowsTheGradient_Exits4NotABlackImage()
    {
        var output = _cli.PathOf("out.png");
        var result = await _cli.RunTiny("dream", _cli.WriteNoise("in.png"), "-o", output, "--layer", "conv1=3e38", "--octaves", "1", "--steps", "1", "--seed", "1", "-q");
        AssertOneLine(result, 4, "NaN or infinite");
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("65536x65536")]
    [InlineData("8000x8000")]
    public async Task LayersSizeAboveTheLimit_IsAUsageError(string size)
    {
        var result = await _cli.RunTiny("layers", "--size", size);
        AssertOneLine(result, 2, "at most 1536x1536");
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task ModelThatIsAFolder_SaysFolderNotMissing()
    {
        var folder = _cli.PathOf("x.onnx");
        Directory.CreateDirectory(folder);
        var result = await _cli.RunReal("dream", _cli.WriteNoise("in.png"), "-o", _cli.PathOf("out.png"), "--model", folder);
        AssertOneLine(result, 4, "is a folder");
    }

    [Fact]
    public async Task ModelThatIsAFifo_IsRefusedWithoutBlocking()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = _cli.PathOf("model.onnx");
        UnixFiles.MakeFifo(fifo);
        var result = await _cli.RunReal("dream", _cli.WriteNoise("in.png"), "-o", _cli.PathOf("out.png"), "--model", fifo).WaitAsync(TimeSpan.FromSeconds(60));
        AssertOneLine(result, 4, "pipe or device");
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("random")]
    public async Task EmptyOrRandomPth_IsNamedForWhatItIs(string kind)
    {
        var path = _cli.PathOf("w.pth");
        File.WriteAllBytes(path, kind == "empty" ? [] : [.. Enumerable.Range(0, 1000).Select(i => (byte)(i * 37 % 256))]);
        var result = await _cli.RunReal("layers", "--model", path, "--arch", "resnet18");
        AssertOneLine(result, 4, kind == "empty" ? "empty (0 bytes)" : "not a zip archive");
        Assert.DoesNotContain("old PyTorch format", result.Stderr);
    }

    [Fact]
    public async Task DevUrandomAsImage_IsNotAnImageNotEmpty()
    {
        if (!File.Exists("/dev/urandom")) return;
        var result = await _cli.RunTiny("dream", "/dev/urandom", "-o", _cli.PathOf("out.png"));
        // Random first bytes now and then pass a weak format check (TGA has no magic number; PBM and BMP have two bytes):
        // the device is then read up to the stream limit and refused for that. Either way: exit 3, one line.
        var fragment = result.Stderr.Contains("delivered more than", StringComparison.Ordinal)
            ? "the limit for images read from a pipe, device or stream"
            : "not an image in a supported format";
        AssertOneLine(result, 3, fragment);
    }

    [Fact]
    public async Task UnwritableOutputFolder_IsFoundBeforeTheModelLoads()
    {
        if (!OperatingSystem.IsLinux()) return;
        // /proc exists but no file can be created in it, not even by root.
        var result = await _cli.RunTiny("dream", _cli.WriteNoise("in.png"), "-o", "/proc/dream.png", "--layer", "conv1");
        AssertOneLine(result, 3, "is not writable");
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task JsonToStandardOutputTogetherWithTheImage_IsAUsageError()
    {
        var result = await _cli.RunTiny("dream", _cli.WriteNoise("in.png"), "-o", "-", "--json");
        AssertOneLine(result, 2, "--json and -o - both write to standard output");
    }

    [Fact]
    public async Task CtrlCWhileWaitingForAFifoImage_Exits130AtOnce()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = _cli.PathOf("in.png");
        UnixFiles.MakeFifo(fifo);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            var result = await _cli.Run(["dream", fifo, "-o", _cli.PathOf("out.png")], _ => new TinyExtractor(seed: 3), cts.Token)
                .WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 130, result.ToString());
            Assert.Contains("Cancelled", result.Stderr);
            Assert.Equal(0, _cli.ModelLoads);
        }
        finally
        {
            // Release the reader still waiting on the FIFO: a writer that closes at once.
            using (new FileStream(fifo, FileMode.Open, FileAccess.Write)) { }
        }
    }

    [Theory]
    [InlineData("dream")]
    [InlineData("layers")]
    public async Task CtrlCWhileAModelTakesForeverToLoad_Exits130AtOnce(string command)
    {
        using var release = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        string[] args = command == "dream" ? ["dream", _cli.WriteNoise("in.png"), "-o", _cli.PathOf("out.png"), "--layer", "conv1"] : ["layers"];
        try
        {
            // A crafted model whose loading (or probing) never ends, as far as the user can tell.
            var result = await _cli.Run(args, _ =>
            {
                release.Wait();
                return new TinyExtractor(seed: 3);
            }, cts.Token).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 130, result.ToString());
            Assert.False(File.Exists(_cli.PathOf("out.png")));
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task CtrlCDuringTheStrongestChannelRanking_Exits130AtOnce_AndWritesNothing()
    {
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        var input = _cli.WriteNoise("in.png");
        var output = _cli.PathOf("out.png");
        InterceptingExtractor? model = null;
        try
        {
            // The ranking pass is the model's first forward pass; Ctrl-C arrives while it runs, and it never ends by itself.
            // On a thread of its own: the CLI runs synchronously up to the model load, which blocks here until released.
            var run = Task.Run(() => _cli.Run(["dream", input, "-o", output, "--layer", "conv2", "--channels", "strongest:2", "--octaves", "1", "--steps", "1"],
                _ => model = new InterceptingExtractor(_ =>
                {
                    started.Set();
                    release.Wait();
                }), cts.Token));
            Assert.True(await Task.Run(() => started.Wait(TimeSpan.FromSeconds(60))), "the ranking pass never started");
            await cts.CancelAsync();
            var result = await run.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(result.ExitCode == 130, result.ToString());
            Assert.Contains("Cancelled", result.Stderr);
            Assert.Equal(1, model!.Calls);
            Assert.Equal(["in.png"], Directory.GetFiles(_cli.Folder).Select(Path.GetFileName));
        }
        finally
        {
            release.Set();
        }
    }
}
