using System.Text.Json;
using DeepDream.Imaging;
using DeepDream.Objectives;
using DeepDream.Schedules;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Cli;

/// <summary>
/// The neural-dream conveniences and the regularizer switches: --image-size, --original-colors, --init, --flip,
/// --random-scale, --random-rotate, --blur, --step-rule, --channels strongest:K.
/// </summary>
public sealed class CliDreamOptionsTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static readonly string[] Fast = ["--layer", "conv2", "--octaves", "2", "--steps", "3", "--jitter", "4", "--seed", "5", "--quiet"];

    private async Task<JsonElement> Dream(string input, string output, params string[] extra)
    {
        var result = await _cli.RunTiny(["dream", input, "-o", output, .. Fast, "--json", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    private static (double Y, double Cb, double Cr) YCbCr(Rgb24 p) =>
        (0.299 * p.R + 0.587 * p.G + 0.114 * p.B, -0.168736 * p.R - 0.331264 * p.G + 0.5 * p.B, 0.5 * p.R - 0.418688 * p.G - 0.081312 * p.B);

    [Fact]
    public async Task ImageSize_ResizesTheLongerSide_KeepingTheAspectRatio()
    {
        var input = _cli.WriteNoise("in.png", 48, 40);
        var output = _cli.PathOf("out.png");
        var json = await Dream(input, output, "--image-size", "30");
        Assert.Equal((30, 25), (json.GetProperty("output").GetProperty("width").GetInt32(), json.GetProperty("output").GetProperty("height").GetInt32()));
        using var written = Image.Load<Rgb24>(output);
        Assert.Equal((30, 25), (written.Width, written.Height));
        await Dream(input, _cli.PathOf("up.png"), "--image-size", "96");
        using var enlarged = Image.Load<Rgb24>(_cli.PathOf("up.png"));
        Assert.Equal((96, 80), (enlarged.Width, enlarged.Height));
    }

    [Fact]
    public async Task OriginalColors_KeepTheInputsChroma_AndTheDreamsLuma()
    {
        var input = _cli.WriteSample("chelsea.png", 48, "cat.png");
        string[] strong = ["--step-size", "0.05"];
        await Dream(input, _cli.PathOf("plain.png"), strong);
        await Dream(input, _cli.PathOf("kept.png"), [.. strong, "--original-colors"]);
        using var source = Image.Load<Rgb24>(input);
        using var plain = Image.Load<Rgb24>(_cli.PathOf("plain.png"));
        using var kept = Image.Load<Rgb24>(_cli.PathOf("kept.png"));
        double keptChroma = 0, plainChroma = 0, luma = 0;
        var count = 0;
        for (var y = 0; y < source.Height; y++)
        {
            for (var x = 0; x < source.Width; x++)
            {
                var (_, cb, cr) = YCbCr(source[x, y]);
                var k = YCbCr(kept[x, y]);
                var p = YCbCr(plain[x, y]);
                keptChroma += Math.Abs(k.Cb - cb) + Math.Abs(k.Cr - cr);
                plainChroma += Math.Abs(p.Cb - cb) + Math.Abs(p.Cr - cr);
                luma += Math.Abs(k.Y - p.Y);
                count++;
            }
        }
        Assert.True(keptChroma / count < 2.5, $"kept chroma differs by {keptChroma / count}");
        Assert.True(plainChroma / count > 3 * (keptChroma / count), $"plain {plainChroma / count} vs kept {keptChroma / count}");
        Assert.True(luma / count < 1.5, $"luma differs by {luma / count}");
    }

    [Fact]
    public async Task InitNoise_StartsFromTheSeedsNoise_NotFromTheInput()
    {
        var input = _cli.WriteSample("chelsea.png", 40, "cat.png");
        var output = _cli.PathOf("noise.png");
        await Dream(input, output, "--init", "noise", "--step-size", "0.002");
        using var source = Image.Load<Rgb24>(input);
        using var written = Image.Load<Rgb24>(output);
        using var noise = NoiseImage.Create(source.Width, source.Height, seed: 5);
        var fromNoise = TestImages.Bytes(written).Zip(TestImages.Bytes(noise)).Average(p => Math.Abs(p.First - p.Second));
        var fromInput = TestImages.Bytes(written).Zip(TestImages.Bytes(source)).Average(p => Math.Abs(p.First - p.Second));
        Assert.True(fromNoise < 15 && fromInput > 50, $"distance to the noise {fromNoise}, to the input {fromInput}");
        await Dream(input, _cli.PathOf("again.png"), "--init", "noise", "--step-size", "0.002");
        Assert.Equal(CliHarness.Pixels(output), CliHarness.Pixels(_cli.PathOf("again.png")));
    }

    [Fact]
    public async Task Regularizers_EachChangesTheDream_AndRepeatWithTheSeed()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        await Dream(input, _cli.PathOf("plain.png"));
        var plain = CliHarness.Pixels(_cli.PathOf("plain.png"));
        string[][] variants = [["--flip"], ["--random-scale", "0.8,1.2"], ["--random-rotate", "20"], ["--blur", "1.5"], ["--step-rule", "laplacian:2"]];
        for (var i = 0; i < variants.Length; i++)
        {
            var first = _cli.PathOf($"v{i}a.png");
            await Dream(input, first, variants[i]);
            await Dream(input, _cli.PathOf($"v{i}b.png"), variants[i]);
            Assert.Equal(CliHarness.Pixels(first), CliHarness.Pixels(_cli.PathOf($"v{i}b.png")));
            Assert.NotEqual(plain, CliHarness.Pixels(first));
        }
    }

    [Fact]
    public async Task LaplacianStepRule_HasItsOwnDefaultStep_UnlessOneIsGiven()
    {
        var input = _cli.WriteNoise("in.png", 32, 32);
        var json = await Dream(input, _cli.PathOf("a.png"), "--step-rule", "laplacian");
        Assert.Equal(LaplacianStepRule.DefaultStepSize, json.GetProperty("settings").GetProperty("stepSize").GetDouble(), 12);
        json = await Dream(input, _cli.PathOf("b.png"), "--step-rule", "laplacian", "--step-size", "0.01");
        Assert.Equal(0.01, json.GetProperty("settings").GetProperty("stepSize").GetDouble());
    }

    [Fact]
    public async Task ChannelsStrongest_ChoosesTheInputsStrongestChannels_AndReportsThem()
    {
        var input = _cli.WriteNoise("in.png", 40, 32, seed: 2);
        var json = await Dream(input, _cli.PathOf("out.png"), "--channels", "strongest:2");
        using var model = new TinyExtractor(seed: 3); // the harness's model
        using var image = Image.Load<Rgb24>(input);
        var expected = ChannelRanking.Strongest(model, image, "conv2", 2);
        Assert.Equal(expected, json.GetProperty("channels").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal($"L2(conv2[{expected[0]},{expected[1]}])", json.GetProperty("objective").GetString());
    }

    [Theory]
    [InlineData(new[] { "--random-scale", "1.2" }, "--random-scale expects MIN,MAX")]
    [InlineData(new[] { "--random-scale", "1.2,1.1" }, "--random-scale needs 0 < MIN <= MAX <= 4")]
    [InlineData(new[] { "--random-rotate", "200" }, "--random-rotate must be between 0 and 180")]
    [InlineData(new[] { "--blur", "0" }, "--blur must be more than 0")]
    [InlineData(new[] { "--step-rule", "adam" }, "--step-rule expects mean, laplacian or laplacian:LEVELS")]
    [InlineData(new[] { "--channels", "strongest:0" }, "--channels strongest:K expects a channel count K of 1 or more")]
    [InlineData(new[] { "--channels", "strongest:3", "--layer", "conv1" }, "--channels strongest:K applies to a single layer")]
    [InlineData(new[] { "--image-size", "8" }, "--image-size must be between 16 and 16384")]
    [InlineData(new[] { "--init", "gray" }, "--init expects image or noise")]
    public async Task BadValues_Exit2_NamingTheOption(string[] options, string message)
    {
        var input = _cli.WriteNoise("in.png", 24, 24);
        var result = await _cli.RunTiny(["dream", input, "-o", _cli.PathOf("out.png"), "--layer", "conv2", .. options]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task ChannelsStrongest_WithSeveralInputs_Exits2_BeforeLoadingTheModel()
    {
        var a = _cli.WriteNoise("a.png", 24, 24);
        var b = _cli.WriteNoise("b.png", 24, 24, seed: 3);
        var result = await _cli.RunTiny("dream", a, b, "-o", _cli.PathOf("out"), "--channels", "strongest:2");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--channels strongest:K chooses the channels from the input image", result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
    }
}
