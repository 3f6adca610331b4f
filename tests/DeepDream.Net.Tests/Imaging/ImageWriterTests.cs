using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Imaging;

public sealed class ImageWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string[] LeftoverTemporaries() => Directory.GetFiles(_folder.Path, "*.tmp");

    private static Image<Rgb24> Gradient(int width, int height)
    {
        var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++) image[x, y] = new Rgb24((byte)(x * 20), (byte)(y * 20), 128);
        }

        return image;
    }

    [Fact]
    public void Save_CancelledBeforeTheNewFileReplacesTheOld_KeepsTheOldAndLeavesNoTemporary()
    {
        string path = _folder.File("out.png");
        File.WriteAllBytes(path, [1, 2, 3]);
        using var image = Gradient(7, 5);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => ImageWriter.Save(image, null, path, cancelled.Token));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Empty(LeftoverTemporaries());
        ImageWriter.Save(image, null, path, CancellationToken.None);
        Assert.Equal(7, Image.Identify(path).Width);
    }

    [Fact]
    public void Save_ToAStream_WritesTheFormatOfTheExtensionWithAlpha()
    {
        using var image = Gradient(7, 5);
        using var alpha = new Image<L8>(7, 5, new L8(100));
        using var stream = new MemoryStream();
        ImageWriter.Save(image, alpha, stream, ".png");
        using var read = Image.Load<Rgba32>(stream.ToArray());
        Assert.Equal(new Rgba32(20, 40, 128, 100), read[1, 2]);
    }

    [Theory]
    [InlineData("out.png", "PNG")]
    [InlineData("out.jpg", "JPEG")]
    [InlineData("out.jpeg", "JPEG")]
    [InlineData("out.bmp", "BMP")]
    [InlineData("out.webp", "Webp")]
    [InlineData("out.tif", "TIFF")]
    [InlineData("out.tiff", "TIFF")]
    [InlineData("out.gif", "GIF")]
    [InlineData("OUT.PNG", "PNG")]
    public void Save_EachSupportedExtension_WritesReadableFileOfRightSize(string name, string formatName)
    {
        string path = _folder.File(name);
        using (var image = Gradient(7, 5)) ImageWriter.Save(image, path);
        using var back = Image.Load<Rgb24>(path, out IImageFormat format);
        Assert.Equal((7, 5), (back.Width, back.Height));
        Assert.Equal(formatName, format.Name, ignoreCase: true);
        Assert.Empty(LeftoverTemporaries());
    }

    [Fact]
    public void Save_Png_IsLossless()
    {
        string path = _folder.File("exact.png");
        using var image = Gradient(7, 5);
        ImageWriter.Save(image, path);
        using var back = Image.Load<Rgb24>(path);
        for (int y = 0; y < 5; y++)
        {
            for (int x = 0; x < 7; x++) Assert.Equal(image[x, y], back[x, y]);
        }
    }

    [Fact]
    public void Save_Jpeg_UsesQuality95()
    {
        string path = _folder.File("q.jpg");
        using (var image = Gradient(16, 16)) ImageWriter.Save(image, path);
        var info = Image.Identify(path);
        Assert.Equal(95, info.Metadata.GetJpegMetadata().Quality);
    }

    [Fact]
    public void Save_RgbWithAlphaToPng_WritesRgbaExactly()
    {
        string path = _folder.File("alpha.png");
        using var rgb = Gradient(4, 3);
        using var alpha = new Image<L8>(4, 3);
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 4; x++) alpha[x, y] = new L8((byte)(x * 80 + y));
        }

        ImageWriter.Save(rgb, alpha, path);
        using var back = Image.Load<Rgba32>(path);
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                var p = rgb[x, y];
                Assert.Equal(new Rgba32(p.R, p.G, p.B, (byte)(x * 80 + y)), back[x, y]);
            }
        }

        using var loaded = ImageLoader.Load(path);
        Assert.True(loaded.HasAlpha);
        Assert.Equal(161, loaded.Alpha![2, 1].PackedValue);
    }

    [Theory]
    [InlineData("alpha.webp")]
    [InlineData("alpha.bmp")]
    [InlineData("alpha.gif")]
    public void Save_WithAlphaToFormatsWithTransparency_KeepsFullyTransparentPixel(string name)
    {
        string path = _folder.File(name);
        using var rgb = new Image<Rgb24>(4, 4, new Rgb24(200, 30, 30));
        using var alpha = new Image<L8>(4, 4, new L8(255));
        alpha[0, 0] = new L8(0);
        ImageWriter.Save(rgb, alpha, path);
        using var back = Image.Load<Rgba32>(path);
        Assert.Equal(0, back[0, 0].A);
        Assert.Equal(255, back[3, 3].A);
    }

    [Theory]
    [InlineData("alpha.jpg")]
    [InlineData("alpha.tiff")]
    public void Save_WithAlphaToJpegOrTiff_DropsAlphaKeepingRgb(string name)
    {
        // JPEG has no alpha; ImageSharp 2.x's TIFF encoder writes RGB only. Documented on ImageWriter.
        string path = _folder.File(name);
        using var rgb = new Image<Rgb24>(8, 8, new Rgb24(200, 30, 30));
        using var alpha = new Image<L8>(8, 8, new L8(0));
        ImageWriter.Save(rgb, alpha, path);
        using var back = Image.Load<Rgba32>(path);
        Assert.Equal(255, back[4, 4].A);
        Assert.InRange(back[4, 4].R, 195, 205);
    }

    [Fact]
    public void Save_WithoutAlpha_WritesOpaqueRgb()
    {
        string path = _folder.File("opaque.png");
        using var rgb = Gradient(3, 3);
        ImageWriter.Save(rgb, null, path);
        var info = Image.Identify(path);
        Assert.Equal(24, info.PixelType.BitsPerPixel);
    }

    [Fact]
    public void Save_UnsupportedExtension_ThrowsListingExtensionsAndLeavesExistingFile()
    {
        string path = _folder.File("out.xyz");
        File.WriteAllText(path, "precious");
        using var image = Gradient(2, 2);
        var ex = Assert.Throws<ArgumentException>(() => ImageWriter.Save(image, path));
        Assert.Contains("'.xyz'", ex.Message);
        Assert.Contains(".png, .jpg, .jpeg, .bmp, .webp, .tif, .tiff, .gif", ex.Message);
        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Empty(LeftoverTemporaries());
        Assert.Throws<ArgumentException>(() => ImageWriter.Save(image, null, _folder.File("noextension")));
    }

    [Fact]
    public void Save_EncoderFails_LeavesExistingOutputUntouchedAndNoTemporaryFile()
    {
        string path = _folder.File("keep.png");
        using (var original = Gradient(3, 3)) ImageWriter.Save(original, path);
        byte[] before = File.ReadAllBytes(path);

        using var image = Gradient(9, 9);
        var ex = Assert.Throws<ImageSaveException>(() => ImageWriter.Save(image, path, new FailingEncoder()));
        Assert.Contains("keep.png", ex.Message);
        Assert.Contains("disk on fire", ex.Message);
        Assert.IsType<IOException>(ex.InnerException);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Empty(LeftoverTemporaries());
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Save_ExistingFile_IsReplaced()
    {
        string path = _folder.File("replace.png");
        using (var first = Gradient(3, 3)) ImageWriter.Save(first, path);
        using (var second = Gradient(6, 2)) ImageWriter.Save(second, path);
        var info = Image.Identify(path);
        Assert.Equal((6, 2), (info.Width, info.Height));
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Save_MissingFolder_ThrowsImageSaveExceptionNamingFolder()
    {
        string path = Path.Combine(_folder.Path, "no", "such", "out.png");
        using var image = Gradient(2, 2);
        var ex = Assert.Throws<ImageSaveException>(() => ImageWriter.Save(image, path));
        Assert.Contains(Path.Combine(_folder.Path, "no", "such"), ex.Message);
        Assert.Contains("does not exist", ex.Message);
    }

    [Fact]
    public void Save_PathIsFolder_ThrowsImageSaveException()
    {
        string path = _folder.File("dir.png");
        Directory.CreateDirectory(path);
        using var image = Gradient(2, 2);
        var ex = Assert.Throws<ImageSaveException>(() => ImageWriter.Save(image, path));
        Assert.Contains("is a folder", ex.Message);
    }

    [Theory]
    [InlineData("a.png", true)]
    [InlineData("dir/b.JPEG", true)]
    [InlineData("c.Tif", true)]
    [InlineData("d.webp", true)]
    [InlineData("e.txt", false)]
    [InlineData("png", false)]
    [InlineData("f.png.bak", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsSupportedExtension_ClassifiesPaths(string? path, bool expected)
    {
        Assert.Equal(expected, ImageWriter.IsSupportedExtension(path));
    }

    [Fact]
    public void SupportedExtensions_AllAcceptedBySave()
    {
        Assert.Equal(8, ImageWriter.SupportedExtensions.Count);
        using var image = Gradient(2, 2);
        foreach (var extension in ImageWriter.SupportedExtensions)
        {
            Assert.True(ImageWriter.IsSupportedExtension("x" + extension));
            ImageWriter.Save(image, _folder.File("all" + extension));
        }

        Assert.Equal(8, Directory.GetFiles(_folder.Path).Length);
    }

    /// <summary>Writes a few bytes, then fails like a full disk.</summary>
    private sealed class FailingEncoder : IImageEncoder
    {
        public void Encode<TPixel>(Image<TPixel> image, Stream stream) where TPixel : unmanaged, IPixel<TPixel>
        {
            stream.Write([1, 2, 3]);
            throw new IOException("disk on fire");
        }

        public Task EncodeAsync<TPixel>(Image<TPixel> image, Stream stream, CancellationToken cancellationToken)
            where TPixel : unmanaged, IPixel<TPixel> => throw new IOException("disk on fire");
    }
}
