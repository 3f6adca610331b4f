using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Imaging;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static Image<Rgb24> Noise(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++) image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        }

        return image;
    }

    private static ImageLoadException AssertRefused(string path, params string[] fragments)
    {
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path));
        Assert.Contains(Path.GetFileName(path), ex.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, ex.Message, StringComparison.OrdinalIgnoreCase);
        return ex;
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingFile()
    {
        AssertRefused(_folder.File("nothere.png"), "does not exist");
    }

    [Fact]
    public void Load_Directory_ThrowsSayingFolder()
    {
        string dir = _folder.File("pictures.png");
        Directory.CreateDirectory(dir);
        AssertRefused(dir, "is a folder");
    }

    [Fact]
    public void Load_EmptyFile_ThrowsSayingEmpty()
    {
        string path = _folder.File("empty.jpg");
        File.WriteAllBytes(path, []);
        AssertRefused(path, "empty (0 bytes)");
    }

    [Fact]
    public void Load_TextFileNamedPng_ThrowsNotSupportedFormat()
    {
        string path = _folder.File("notes.png");
        File.WriteAllText(path, "This is a shopping list, not a picture.\n");
        AssertRefused(path, "not an image in a supported format", "'.png'");
    }

    [Fact]
    public void Load_RandomBytesXyz_ThrowsNotSupportedFormat()
    {
        string path = _folder.File("blob.xyz");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        AssertRefused(path, "not an image in a supported format");
    }

    [Fact]
    public void Load_TruncatedPng_ThrowsTruncated()
    {
        string path = _folder.File("cut.png");
        using (var image = Noise(64, 64, 1)) image.SaveAsPng(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertRefused(path, "truncated", "ends inside the 'IDAT' chunk");
    }

    [Fact]
    public void Load_PngMissingOnlyIend_ThrowsTruncated()
    {
        string path = _folder.File("noend.png");
        using (var image = Noise(8, 8, 6)) image.SaveAsPng(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^12]); // the IEND chunk is 12 bytes
        AssertRefused(path, "truncated", "before the IEND chunk");
    }

    [Fact]
    public void Load_PngWithBadCrc_ThrowsCannotDecode()
    {
        string path = _folder.File("badcrc.png");
        using (var image = Noise(8, 8, 2)) image.SaveAsPng(path);
        var bytes = File.ReadAllBytes(path);
        bytes[8 + 8 + 13] ^= 0x55; // first CRC byte of IHDR
        File.WriteAllBytes(path, bytes);
        var ex = AssertRefused(path);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void Load_TruncatedJpeg_ThrowsTruncated()
    {
        string path = _folder.File("cut.jpg");
        using (var image = Noise(64, 64, 3)) image.SaveAsJpeg(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 6 / 10)]);
        AssertRefused(path, "truncated", "FFD9");
    }

    [Fact]
    public void Load_TruncatedJpegWithAllowTruncated_DecodesWithWarning()
    {
        string path = _folder.File("cut.jpg");
        using (var image = Noise(64, 64, 4)) image.SaveAsJpeg(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length * 6 / 10)]);
        using var loaded = ImageLoader.Load(path, new ImageLoadOptions { AllowTruncated = true });
        Assert.Equal(64, loaded.Width);
        Assert.Equal(64, loaded.Height);
        Assert.Contains(loaded.Warnings, w => w.Contains("truncated", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_CompleteJpegWithTrailingBytes_Loads()
    {
        // Data after the end-of-image marker (some cameras append it) is not truncation.
        string path = _folder.File("trailing.jpg");
        using (var image = Noise(16, 16, 5)) image.SaveAsJpeg(path);
        File.AppendAllText(path, "trailer");
        using var loaded = ImageLoader.Load(path);
        Assert.Equal(16, loaded.Width);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void Load_PngBombHeader50000Squared_RefusedBeforeDecodingWithoutAllocating()
    {
        string path = _folder.File("bomb.png");
        File.WriteAllBytes(path, TestFiles.PngWithHeader(50000, 50000));
        Assert.True(new FileInfo(path).Length < 200);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = AssertRefused(path, "50000×50000", "2,500,000,000 pixels", "pixel limit", "100,000,000");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4_000_000, $"allocated {allocated} bytes");
        Assert.Null(ex.InnerException);
    }

    [Fact]
    public void Load_GifBombScreen60000Squared_Refused()
    {
        string path = _folder.File("bomb.gif");
        File.WriteAllBytes(path, TestFiles.GifWithScreen(60000, 60000));
        AssertRefused(path, "60000×60000", "pixel limit");
    }

    [Fact]
    public void Load_HandMadeGif_DecodesItsOneBlackPixel()
    {
        // Same hand-made GIF with a 1×1 screen: proves the bomb file above is a real GIF, refused only for its size.
        string path = _folder.File("tiny.gif");
        File.WriteAllBytes(path, TestFiles.GifWithScreen(1, 1));
        using var loaded = ImageLoader.Load(path);
        Assert.Equal(new Rgb24(0, 0, 0), loaded.Rgb[0, 0]);
        Assert.Equal(1, loaded.FrameCount);
    }

    [Fact]
    public void Load_BelowLoweredMaxPixels_RefusesNormalImage()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "images", "chelsea.png");
        var ex = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path, new ImageLoadOptions { MaxPixels = 100_000 }));
        Assert.Contains("chelsea.png", ex.Message);
        Assert.Contains("451×300 image (135,300 pixels)", ex.Message);
        Assert.Contains("pixel limit of 100,000", ex.Message);
        using var loaded = ImageLoader.Load(path, new ImageLoadOptions { MaxPixels = 135_300 });
        Assert.Equal(451, loaded.Width);
        Assert.Equal(300, loaded.Height);
    }

    [Fact]
    public void Load_NonPositiveMaxPixels_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageLoader.Load("x.png", new ImageLoadOptions { MaxPixels = 0 }));
    }

    [Fact]
    public void Load_SamplePng_MatchesImageSharpPixels()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "images", "coffee.png");
        using var loaded = ImageLoader.Load(path);
        using var reference = Image.Load<Rgb24>(path);
        Assert.Equal((600, 400), (loaded.Width, loaded.Height));
        Assert.Equal("PNG", loaded.Format);
        Assert.False(loaded.HasAlpha);
        Assert.False(loaded.OrientationApplied);
        foreach (var (x, y) in new[] { (0, 0), (599, 399), (300, 200), (17, 333) }) Assert.Equal(reference[x, y], loaded.Rgb[x, y]);
    }

    [Fact]
    public void Load_GrayscaleL8Png_GivesEqualChannels()
    {
        string path = _folder.File("gray.png");
        using (var image = new Image<L8>(3, 1))
        {
            image[0, 0] = new L8(0);
            image[1, 0] = new L8(77);
            image[2, 0] = new L8(255);
            image.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        }

        using var loaded = ImageLoader.Load(path);
        Assert.Equal(new Rgb24(77, 77, 77), loaded.Rgb[1, 0]);
        Assert.Equal(new Rgb24(255, 255, 255), loaded.Rgb[2, 0]);
        Assert.False(loaded.HasAlpha);
        Assert.Equal("PNG Grayscale, 8 bits per sample", loaded.SourcePixelType);
        Assert.Equal(8, loaded.SourceBitsPerPixel);
    }

    [Fact]
    public void Load_Rgb48Png_ReducesTo8BitExactly()
    {
        string path = _folder.File("deep.png");
        using (var image = new Image<Rgb48>(2, 1))
        {
            image[0, 0] = new Rgb48(65535, 128 * 257, 0);
            image[1, 0] = new Rgb48(1 * 257, 254 * 257, 77 * 257);
            image.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 });
        }

        using var loaded = ImageLoader.Load(path);
        Assert.Equal(new Rgb24(255, 128, 0), loaded.Rgb[0, 0]);
        Assert.Equal(new Rgb24(1, 254, 77), loaded.Rgb[1, 0]);
        Assert.Equal("PNG Rgb, 16 bits per sample", loaded.SourcePixelType);
        Assert.Equal(48, loaded.SourceBitsPerPixel);
        Assert.False(loaded.HasAlpha);
    }

    [Fact]
    public void Load_PalettePng_KeepsColoursExactly()
    {
        string path = _folder.File("palette.png");
        var colours = new[] { new Rgb24(255, 0, 0), new Rgb24(0, 128, 0), new Rgb24(10, 20, 30), new Rgb24(255, 255, 255) };
        using (var image = new Image<Rgba32>(4, 1))
        {
            for (int x = 0; x < 4; x++) image[x, 0] = new Rgba32(colours[x].R, colours[x].G, colours[x].B, 255);
            image.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Palette });
        }

        using var loaded = ImageLoader.Load(path);
        Assert.StartsWith("PNG Palette", loaded.SourcePixelType, StringComparison.Ordinal);
        for (int x = 0; x < 4; x++) Assert.Equal(colours[x], loaded.Rgb[x, 0]);
        Assert.False(loaded.HasAlpha);
    }

    [Fact]
    public void Load_PalettePngWithTransparentEntry_KeepsAlpha()
    {
        string path = _folder.File("palette-alpha.png");
        using (var image = new Image<Rgba32>(2, 1))
        {
            image[0, 0] = new Rgba32(255, 0, 0, 255);
            image[1, 0] = new Rgba32(0, 0, 255, 0);
            image.SaveAsPng(path, new PngEncoder { ColorType = PngColorType.Palette });
        }

        using var loaded = ImageLoader.Load(path);
        Assert.True(loaded.HasAlpha);
        Assert.Equal(255, loaded.Alpha![0, 0].PackedValue);
        Assert.Equal(0, loaded.Alpha[1, 0].PackedValue);
    }

    [Fact]
    public void Load_RgbaPng_AlphaPlaneEqualsOriginalAndRecombinesExactly()
    {
        string path = _folder.File("rgba.png");
        using var original = new Image<Rgba32>(6, 2);
        byte[] alphas = [0, 1, 64, 128, 254, 255];
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 6; x++) original[x, y] = new Rgba32((byte)(40 * x), (byte)(100 + y), (byte)(255 - 30 * x), alphas[(x + y) % 6]);
        }

        original.SaveAsPng(path);
        using var loaded = ImageLoader.Load(path);
        Assert.True(loaded.HasAlpha);
        Assert.Equal("PNG RgbWithAlpha, 8 bits per sample", loaded.SourcePixelType);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 6; x++) Assert.Equal(original[x, y].A, loaded.Alpha![x, y].PackedValue);
        }

        using var recombined = ImageTensor.Recombine(loaded.Rgb, loaded.Alpha!);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 6; x++) Assert.Equal(original[x, y], recombined[x, y]);
        }
    }

    [Fact]
    public void Load_CmykJpeg_ConvertsToRgbAdobeConvention()
    {
        string path = _folder.File("cmyk.jpg");
        // Stored (inverted, Adobe) C'=200, M'=100, Y'=50, K'=128 → R = C'·K'/255 ≈ 100.4, G ≈ 50.2, B ≈ 25.1.
        File.WriteAllBytes(path, TestFiles.CmykJpeg(200, 100, 50, 128));
        using var loaded = ImageLoader.Load(path);
        Assert.Equal((8, 8), (loaded.Width, loaded.Height));
        Assert.Equal("JPEG Cmyk", loaded.SourcePixelType);
        Assert.Equal(32, loaded.SourceBitsPerPixel);
        var p = loaded.Rgb[3, 5];
        Assert.InRange(p.R, 98, 102);
        Assert.InRange(p.G, 48, 52);
        Assert.InRange(p.B, 23, 27);
        Assert.False(loaded.HasAlpha);
    }

    [Fact]
    public void JpegEncoder_AskedForCmyk_FallsBackToYCbCr()
    {
        // Why the CMYK test file is hand-made: ImageSharp 2.1 cannot write CMYK JPEGs.
        using var stream = new MemoryStream();
        using (var image = new Image<Rgb24>(8, 8)) image.SaveAsJpeg(stream, new JpegEncoder { ColorType = JpegColorType.Cmyk });
        stream.Position = 0;
        var info = Image.Identify(stream);
        Assert.NotEqual(JpegColorType.Cmyk, info.Metadata.GetJpegMetadata().ColorType);
    }

    [Fact]
    public void Load_ExifOrientation6Jpeg_IsRotatedUpright()
    {
        string path = _folder.File("rotated.jpg");
        using (var image = new Image<Rgb24>(4, 2))
        {
            for (int y = 0; y < 2; y++)
            {
                for (int x = 0; x < 4; x++) image[x, y] = x < 2 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255);
            }

            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
            image.SaveAsJpeg(path, new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 });
        }

        using var loaded = ImageLoader.Load(path);
        Assert.Equal((2, 4), (loaded.Width, loaded.Height));
        Assert.True(loaded.OrientationApplied);
        Assert.Equal(6, loaded.ExifOrientation);
        // Orientation 6 = rotate 90° clockwise: the stored left (red) half becomes the top, the right (blue) the bottom.
        Assert.True(loaded.Rgb[0, 0].R > 200 && loaded.Rgb[1, 1].B < 60, $"top is {loaded.Rgb[0, 0]}");
        Assert.True(loaded.Rgb[0, 3].B > 200 && loaded.Rgb[1, 2].R < 60, $"bottom is {loaded.Rgb[0, 3]}");
    }

    [Fact]
    public void Load_AnimatedGifTwoFrames_TakesFirstFrameWithWarning()
    {
        string path = _folder.File("anim.gif");
        using (var image = new Image<Rgba32>(4, 4, new Rgba32(255, 0, 0, 255)))
        {
            using var second = new Image<Rgba32>(4, 4, new Rgba32(0, 0, 255, 255));
            image.Frames.AddFrame(second.Frames.RootFrame);
            image.SaveAsGif(path);
        }

        using (var check = Image.Load<Rgba32>(path)) Assert.Equal(2, check.Frames.Count);

        var messages = new List<string>();
        using var loaded = ImageLoader.Load(path, new ImageLoadOptions { Logger = new ListLogger(messages) });
        Assert.Equal(2, loaded.FrameCount);
        Assert.Equal(new Rgb24(255, 0, 0), loaded.Rgb[2, 2]);
        Assert.Contains("animated GIF: using the first of 2 frames", loaded.Warnings);
        Assert.Contains(messages, m => m.Contains("anim.gif", StringComparison.Ordinal) && m.Contains("first of 2 frames", StringComparison.Ordinal));
        Assert.False(loaded.HasAlpha);
    }

    [Fact]
    public void Load_AnimatedGif_LeavesImageSharpDefaultConfigurationDecodingAllFrames()
    {
        string path = _folder.File("anim2.gif");
        using (var image = new Image<Rgba32>(2, 2, new Rgba32(255, 0, 0, 255)))
        {
            using var second = new Image<Rgba32>(2, 2, new Rgba32(0, 0, 255, 255));
            image.Frames.AddFrame(second.Frames.RootFrame);
            image.SaveAsGif(path);
        }

        using (ImageLoader.Load(path))
        {
        }

        using var check = Image.Load<Rgba32>(path);
        Assert.Equal(2, check.Frames.Count);
    }

    [Fact]
    public void Load_TruncatedGif_ThrowsTruncated()
    {
        string path = _folder.File("cut.gif");
        using (var image = new Image<Rgba32>(32, 32))
        {
            for (int y = 0; y < 32; y++)
            {
                for (int x = 0; x < 32; x++) image[x, y] = new Rgba32((byte)(x * 8), (byte)(y * 8), (byte)((x ^ y) * 8), 255);
            }

            image.SaveAsGif(path);
        }

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 40)]);
        AssertRefused(path, "truncated", "frame 1");
    }

    [Fact]
    public void Load_GifWithTransparentPixel_KeepsAlpha()
    {
        string path = _folder.File("transparent.gif");
        using (var image = new Image<Rgba32>(2, 2, new Rgba32(0, 255, 0, 255)))
        {
            image[1, 1] = new Rgba32(0, 0, 0, 0);
            image.SaveAsGif(path);
        }

        using var loaded = ImageLoader.Load(path);
        Assert.True(loaded.HasAlpha);
        Assert.Equal(0, loaded.Alpha![1, 1].PackedValue);
        Assert.Equal(255, loaded.Alpha[0, 0].PackedValue);
    }

    [Fact]
    public void HasAlpha_FromHeaderMetadata_MatchesFormat()
    {
        string rgba = _folder.File("a.png"), rgb = _folder.File("b.png"), jpeg = _folder.File("c.jpg");
        using (var image = new Image<Rgba32>(2, 2)) image.SaveAsPng(rgba);
        using (var image = new Image<Rgb24>(2, 2)) image.SaveAsPng(rgb);
        using (var image = new Image<Rgba32>(2, 2)) image.SaveAsJpeg(jpeg);
        Assert.True(HasAlpha(rgba));
        Assert.False(HasAlpha(rgb));
        Assert.False(HasAlpha(jpeg));

        static bool HasAlpha(string path)
        {
            var info = Image.Identify(path, out var format);
            return ImageLoader.HasAlpha(info, format);
        }
    }

    /// <summary>Collects formatted log messages.</summary>
    private sealed class ListLogger(List<string> messages) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => messages.Add(formatter(state, exception));
    }
}
