using DeepDream.Tests.Imaging;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Cli;

/// <summary>Odd but valid inputs through the whole tool: each dreams (exit 0) at the right size, with the right warnings.</summary>
public sealed class CliInputFormatTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("gray.png", 40, 32)]
    [InlineData("deep.png", 40, 32)]
    [InlineData("palette.png", 40, 32)]
    [InlineData("cmyk.jpg", 8, 8)]
    [InlineData("rotated.jpg", 32, 40)] // stored 40×32 with EXIF orientation 6: upright it is 32×40
    [InlineData("animated.gif", 40, 32)]
    public async Task OddInputFormat_Dreams_AtTheUprightSize(string name, int width, int height)
    {
        var input = Write(name);
        var output = _cli.PathOf(name + ".out.png");

        var result = await _cli.RunTiny("dream", input, "-o", output, "--layer", "conv2", "--octaves", "1", "--steps", "1", "--seed", "1");

        Assert.Equal(0, result.ExitCode);
        using var image = Image.Load<Rgb24>(output);
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(name == "animated.gif", result.Stderr.Contains("warning:", StringComparison.Ordinal));
    }

    private string Write(string name)
    {
        var path = _cli.PathOf(name);
        using var noise = TestImages.Noise(40, 32);
        switch (name)
        {
            case "gray.png":
                noise.CloneAs<L8>().SaveAsPng(path);
                break;
            case "deep.png":
                noise.CloneAs<Rgb48>().SaveAsPng(path, new PngEncoder { BitDepth = PngBitDepth.Bit16 });
                break;
            case "palette.png":
                noise.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Palette });
                break;
            case "cmyk.jpg":
                File.WriteAllBytes(path, TestFiles.CmykJpeg(10, 120, 200, 30));
                break;
            case "rotated.jpg":
                noise.Metadata.ExifProfile = new ExifProfile();
                noise.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
                noise.SaveAsJpeg(path);
                break;
            case "animated.gif":
                using (var gif = noise.Clone())
                {
                    using var second = TestImages.Noise(40, 32, seed: 9);
                    gif.Frames.AddFrame(second.Frames.RootFrame);
                    gif.SaveAsGif(path, new GifEncoder());
                }
                break;
        }
        return path;
    }
}
