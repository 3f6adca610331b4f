using System.Text.Json;
using DeepDream.Tests.Cli;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// Sequences speak of the dream settings in <c>dream</c>'s words: a refused resume names the values as the options take
/// them (<c>fp32 → bf16</c>, <c>automatic → 64</c>), and <c>--json</c> uses <c>dream --json</c>'s keys and values.
/// </summary>
public sealed class SequenceSettingsWordsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("--precision", "bf16", "precision: fp32 → bf16")]
    [InlineData("--tile-size", "64", "tile-size: automatic → 64")]
    public async Task Zoom_ResumedWithAnotherPrecisionOrTileSize_IsRefused_InTheOptionsWords(string option, string value, string difference)
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var folder = _cli.PathOf("frames");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", folder, "--frames", "1")).ExitCode);
        var changed = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "2", option, value);
        Assert.Equal(2, changed.ExitCode);
        Assert.Equal($"error: The frame folder '{folder}' holds 1 frame(s) made with other settings ({difference}); pass --restart to discard them, or choose another output.",
            changed.Stderr.TrimEnd());
    }

    [Fact]
    public async Task Jobs_WrittenInTheEarlierWords_StillResume()
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var folder = _cli.PathOf("frames");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", folder, "--frames", "1")).ExitCode);
        var a = _cli.WriteNoise("a.png", 40, 32, seed: 1);
        var b = _cli.WriteNoise("b.png", 40, 32, seed: 2);
        var batch = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("dream", a, b, "-o", batch)).ExitCode);
        foreach (var manifest in new[] { Path.Combine(folder, DeepDream.Sequences.Jobs.SequenceJob.ManifestName), Path.Combine(batch, "deepdream-batch.json") })
        {
            var text = File.ReadAllText(manifest);
            var earlier = text.Replace("\"precision\": \"fp32\"", "\"precision\": \"Float32\"", StringComparison.Ordinal)
                .Replace("\"tile-size\": \"automatic\"", "\"tile-size\": \"\"", StringComparison.Ordinal);
            Assert.NotEqual(text, earlier.Replace("Float32", "fp32", StringComparison.Ordinal)); // both were rewritten
            File.WriteAllText(manifest, earlier);
        }

        var more = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "2");
        Assert.True(more.ExitCode == 0, more.ToString());
        Assert.Contains("resuming: 1 frame(s) already in", more.Stderr);
        var again = await _cli.RunFast("dream", a, b, "-o", batch);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("resuming: 2 of 2 image(s)", again.Stderr);
        var changed = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "3", "--precision", "bf16");
        Assert.Equal(2, changed.ExitCode);
        Assert.Contains("(precision: Float32 → bf16)", changed.Stderr);
    }

    [Fact]
    public async Task Zoom_OfOneFrame_SaysOneFrame()
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var gif = _cli.PathOf("zoom.gif");
        var result = await _cli.RunFast("zoom", input, "-o", gif, "--frames", "1", "--fps", "10");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("wrote " + gif + " (1 frame, 48x32, 10 fps)", result.Stderr);
    }

    [Fact]
    public async Task BatchDream_ResumedWithAnotherTileSize_NamesBothSizes()
    {
        var a = _cli.WriteNoise("a.png", 40, 32, seed: 1);
        var b = _cli.WriteNoise("b.png", 40, 32, seed: 2);
        var folder = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("dream", a, b, "-o", folder, "--tile-size", "64")).ExitCode);
        var changed = await _cli.RunFast("dream", a, b, "-o", folder, "--tile-size", "96", "--precision", "bf16");
        Assert.Equal(2, changed.ExitCode);
        Assert.Contains("(precision: fp32 → bf16; tile-size: 64 → 96)", changed.Stderr);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("64")]
    public async Task ZoomJson_SettingsUseDreamsKeysAndValues(string? tileSize)
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        string[] tile = tileSize is null ? [] : ["--tile-size", tileSize];
        var dream = await _cli.RunFast(["dream", input, "-o", _cli.PathOf("out.png"), "--json", .. tile]);
        var zoom = await _cli.RunFast(["zoom", input, "-o", _cli.PathOf("frames"), "--frames", "1", "--json", .. tile]);
        Assert.True(dream.ExitCode == 0 && zoom.ExitCode == 0, dream + "\n" + zoom);
        using var dreamJson = JsonDocument.Parse(dream.Stdout);
        using var zoomJson = JsonDocument.Parse(zoom.Stdout);
        var dreamSettings = dreamJson.RootElement.GetProperty("settings");
        var zoomSettings = zoomJson.RootElement.GetProperty("settings");
        foreach (var setting in dreamSettings.EnumerateObject().Where(p => p.Name != "octavesRun"))
        {
            Assert.True(zoomSettings.TryGetProperty(setting.Name, out var value), $"zoom's settings lack '{setting.Name}': {zoomSettings}");
            if (setting.Name == "tileSize" && tileSize is null) Assert.True(value.GetInt32() >= 256); // read from the machine's memory at each call
            else Assert.Equal(setting.Value.ToString(), value.ToString());
        }
        Assert.Equal("fp32", zoomSettings.GetProperty("precision").GetString());
        Assert.Equal(tileSize is null, zoomSettings.GetProperty("tileSizeAutomatic").GetBoolean());
        if (tileSize is not null) Assert.Equal(64, zoomSettings.GetProperty("tileSize").GetInt32());
        Assert.Equal(1.4, zoomSettings.GetProperty("octaveScale").GetDouble());
        Assert.False(zoomSettings.TryGetProperty("tile-size", out _));
        Assert.False(zoomSettings.TryGetProperty("octave-scale", out _));
        Assert.Equal("1.05", zoomSettings.GetProperty("zoom").GetString());
    }
}
