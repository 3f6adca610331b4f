using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Cli;

/// <summary><c>deepdream dream</c> end to end on a tiny model: the JSON report, seeds, octave images, alpha, atomic writes, progress.</summary>
public sealed class CliDreamTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static readonly string[] Fast = ["--layer", "conv2", "--octaves", "2", "--steps", "2", "--jitter", "4"];

    [Fact]
    public async Task Json_PrintsOneObjectWithPathsSizesSettingsSeedTimingsAndOctaves()
    {
        var input = _cli.WriteNoise("in.png", 48, 40);
        var output = _cli.PathOf("out.jpg");
        var result = await _cli.RunTiny(["dream", input, "-o", output, .. Fast, "--seed", "1234", "--step-size", "0.01", "--octave-scale", "1.5", "--json", "--quiet"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal(input, root.GetProperty("input").GetProperty("path").GetString());
        Assert.Equal(48, root.GetProperty("input").GetProperty("width").GetInt32());
        Assert.Equal(40, root.GetProperty("input").GetProperty("height").GetInt32());
        Assert.Equal(output, root.GetProperty("output").GetProperty("path").GetString());
        Assert.Equal(48, root.GetProperty("output").GetProperty("width").GetInt32());
        Assert.Equal(40, root.GetProperty("output").GetProperty("height").GetInt32());
        Assert.Equal("tiny", root.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal("embedded", root.GetProperty("model").GetProperty("source").GetString());
        Assert.Equal("cpu", root.GetProperty("model").GetProperty("device").GetString());
        Assert.Equal("L2(conv2)", root.GetProperty("objective").GetString());
        var layer = Assert.Single(root.GetProperty("layers").EnumerateArray());
        Assert.Equal("conv2", layer.GetProperty("name").GetString());
        Assert.Equal(1.0, layer.GetProperty("weight").GetDouble());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("channels").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("guide").ValueKind);
        var settings = root.GetProperty("settings");
        Assert.Equal(2, settings.GetProperty("octaves").GetInt32());
        Assert.Equal(2, settings.GetProperty("octavesRun").GetInt32());
        Assert.Equal(1.5, settings.GetProperty("octaveScale").GetDouble());
        Assert.Equal(2, settings.GetProperty("steps").GetInt32());
        Assert.Equal(0.01, settings.GetProperty("stepSize").GetDouble());
        Assert.Equal(4, settings.GetProperty("jitter").GetInt32());
        Assert.True(settings.GetProperty("tileSizeAutomatic").GetBoolean());
        Assert.True(settings.GetProperty("tileSize").GetInt32() >= 256);
        Assert.Equal(1234, root.GetProperty("seed").GetInt32());
        var timings = root.GetProperty("timings");
        var load = timings.GetProperty("loadSeconds").GetDouble();
        var dream = timings.GetProperty("dreamSeconds").GetDouble();
        var total = timings.GetProperty("totalSeconds").GetDouble();
        Assert.True(load > 0 && dream > 0 && total >= load + dream, $"load {load}, dream {dream}, total {total}");
        var octaves = root.GetProperty("octaves").EnumerateArray().ToArray();
        Assert.Equal([1, 2], octaves.Select(o => o.GetProperty("index").GetInt32()));
        // 48×40 / 1.5 = 32×26.67, rounded: the smaller octave first.
        Assert.Equal([(32, 27), (48, 40)], octaves.Select(o => (o.GetProperty("width").GetInt32(), o.GetProperty("height").GetInt32())));
        Assert.All(octaves, o => Assert.True(o.GetProperty("seconds").GetDouble() > 0));
        Assert.All(octaves, o => Assert.True(double.IsFinite(o.GetProperty("objective").GetDouble()) && o.GetProperty("objective").GetDouble() > 0));
        using var written = Image.Load<Rgb24>(output);
        Assert.Equal((48, 40), (written.Width, written.Height));
    }

    [Fact]
    public async Task Json_WeightedLayersAndChannels_AreReported()
    {
        var input = _cli.WriteNoise("in.png");
        var sum = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("a.png"), "--layer", "conv1=0.5", "--layer", "conv2", "--octaves", "1", "--steps", "1", "--seed", "3", "--json");
        Assert.True(sum.ExitCode == 0, sum.ToString());
        using (var json = JsonDocument.Parse(sum.Stdout))
        {
            Assert.Equal([("conv1", 0.5), ("conv2", 1.0)],
                json.RootElement.GetProperty("layers").EnumerateArray().Select(l => (l.GetProperty("name").GetString(), l.GetProperty("weight").GetDouble())));
            Assert.Contains("conv1", json.RootElement.GetProperty("objective").GetString());
            Assert.Contains("conv2", json.RootElement.GetProperty("objective").GetString());
        }
        var channels = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("b.png"), "--layer", "conv2", "--channels", "0-2,5", "--octaves", "1", "--steps", "1", "--seed", "3", "--json");
        Assert.True(channels.ExitCode == 0, channels.ToString());
        using var doc = JsonDocument.Parse(channels.Stdout);
        Assert.Equal([0, 1, 2, 5], doc.RootElement.GetProperty("channels").EnumerateArray().Select(c => c.GetInt32()));
    }

    [Fact]
    public async Task Guide_DreamsTowardsTheGuideAndReportsIt()
    {
        var input = _cli.WriteNoise("in.png");
        var guide = _cli.WriteNoise("guide.png", 30, 30, seed: 11);
        var result = await _cli.RunTiny("dream", input, "-o", _cli.PathOf("out.png"), "--layer", "conv2", "--guide", guide, "--octaves", "1", "--steps", "2", "--seed", "5", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(guide, json.RootElement.GetProperty("guide").GetString());
        Assert.StartsWith("Guided", json.RootElement.GetProperty("objective").GetString());
    }

    [Fact]
    public async Task SameSeed_GivesTheSameBytes_AnotherSeedDiffers()
    {
        var input = _cli.WriteNoise("in.png");
        string[] outputs = [_cli.PathOf("a.png"), _cli.PathOf("b.png"), _cli.PathOf("c.png")];
        int[] seeds = [77, 77, 78];
        for (var i = 0; i < 3; i++)
        {
            var result = await _cli.RunTiny(["dream", input, "-o", outputs[i], .. Fast, "--seed", seeds[i].ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        Assert.Equal(await File.ReadAllBytesAsync(outputs[0]), await File.ReadAllBytesAsync(outputs[1]));
        Assert.NotEqual(CliHarness.Pixels(outputs[0]), CliHarness.Pixels(outputs[2]));
    }

    [Fact]
    public async Task WithoutSeed_TheChosenSeedIsPrinted_AndReproducesTheRun()
    {
        var input = _cli.WriteNoise("in.png");
        var first = await _cli.RunTiny(["dream", input, "-o", _cli.PathOf("a.png"), .. Fast, "--json"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        using var json = JsonDocument.Parse(first.Stdout);
        var seed = json.RootElement.GetProperty("seed").GetInt32();
        Assert.Contains($"seed: {seed} (pass --seed {seed} to repeat this run)", first.Stderr);
        var again = await _cli.RunTiny(["dream", input, "-o", _cli.PathOf("b.png"), .. Fast, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.Equal(0, again.ExitCode);
        Assert.DoesNotContain("seed:", again.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(_cli.PathOf("a.png")), await File.ReadAllBytesAsync(_cli.PathOf("b.png")));
    }

    [Fact]
    public async Task SaveOctaves_WritesOneImagePerOctave_AtTheOctaveSize_TheLastEqualToTheOutput()
    {
        var input = _cli.WriteNoise("in.png", 48, 40);
        var folder = _cli.PathOf(Path.Combine("steps", "deep"));
        var output = _cli.PathOf("out.png");
        var result = await _cli.RunTiny("dream", input, "-o", output, "--layer", "conv2", "--octaves", "3", "--steps", "1", "--seed", "2", "--save-octaves", folder);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["octave-1.png", "octave-2.png", "octave-3.png"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        var sizes = Enumerable.Range(1, 3).Select(i =>
        {
            using var image = Image.Load<Rgb24>(Path.Combine(folder, $"octave-{i}.png"));
            return (image.Width, image.Height);
        });
        Assert.Equal([(24, 21), (34, 29), (48, 40)], sizes);
        Assert.Equal(CliHarness.Pixels(output), CliHarness.Pixels(Path.Combine(folder, "octave-3.png")));
    }

    [Fact]
    public async Task Alpha_IsCarriedThroughUnchanged()
    {
        var input = _cli.PathOf("alpha.png");
        using (var image = new Image<Rgba32>(40, 32))
        {
            for (var y = 0; y < 32; y++)
            for (var x = 0; x < 40; x++)
                image[x, y] = new Rgba32((byte)(x * 6), (byte)(y * 7), 90, (byte)(x * 6 + 10));
            await image.SaveAsPngAsync(input);
        }
        var output = _cli.PathOf("out.png");
        var result = await _cli.RunTiny("dream", input, "-o", output, "--layer", "conv2", "--octaves", "1", "--steps", "2", "--seed", "4");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var written = Image.Load<Rgba32>(output);
        for (var x = 0; x < 40; x++) Assert.Equal((byte)(x * 6 + 10), written[x, 5].A);
    }

    [Fact]
    public async Task FailedRun_LeavesTheExistingOutputUntouched_AndNoTemporaryFiles()
    {
        var input = _cli.WriteNoise("in.png");
        var output = _cli.WriteNoise("out.png", 12, 12, seed: 5);
        var original = await File.ReadAllBytesAsync(output);
        var result = await _cli.RunTiny("dream", input, "-o", output, "--layer", "nope");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(original, await File.ReadAllBytesAsync(output));
        Assert.Equal(["in.png", "out.png"], Directory.GetFiles(_cli.Folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task SuccessfulRun_ReplacesTheOutput_AndLeavesNoTemporaryFiles()
    {
        var input = _cli.WriteNoise("in.png");
        var output = _cli.WriteNoise("out.png", 12, 12, seed: 5);
        var result = await _cli.RunTiny(["dream", input, "-o", output, .. Fast, "--seed", "8"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using (var written = Image.Load<Rgb24>(output)) Assert.Equal((48, 40), (written.Width, written.Height));
        Assert.Equal(["in.png", "out.png"], Directory.GetFiles(_cli.Folder, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task RedirectedStderr_GetsPlainProgressLines_StdoutStaysEmpty()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny(["dream", input, "-o", _cli.PathOf("out.png"), .. Fast, "--seed", "1"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.DoesNotContain('\r', result.Stderr);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("octave 1/2 (34x29)  step 2/2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("100%  octave 2/2 (48x40)  step 2/2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("wrote ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TerminalStderr_GetsASingleRedrawnBar()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.Run(["dream", input, "-o", _cli.PathOf("out.png"), .. Fast, "--seed", "1"],
            _ => new TestSupport.TinyExtractor(), CancellationToken.None, terminal: true);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\r[", result.Stderr);
        Assert.Contains("[########################] 100%  octave 2/2", result.Stderr);
    }

    [Fact]
    public async Task Quiet_PrintsNothing()
    {
        var input = _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny(["dream", input, "-o", _cli.PathOf("out.png"), .. Fast, "--quiet"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Layers_ListsNamesShapesAndChannels()
    {
        var result = await _cli.RunTiny("layers", "--size", "40x30");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("# tiny, input 40x30, 2 layers, no default dream layer (pass --layer)", lines[0]);
        Assert.Equal(["LAYER", "SHAPE", "CHANNELS"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["conv1", "1x4x30x40", "4"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["conv2", "1x6x15x20", "6"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("--size", "40", "--size expects WIDTHxHEIGHT")]
    [InlineData("--model", "x.pth", "needs --arch")]
    public async Task Layers_BadOptions_Exit2(string option, string value, string message)
    {
        var result = await _cli.RunTiny("layers", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }
}
