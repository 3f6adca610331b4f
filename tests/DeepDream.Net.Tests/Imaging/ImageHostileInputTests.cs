using DeepDream.Imaging;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Imaging;

/// <summary>
/// Files whose headers declare more than their data can hold (they would decode to gigabytes of grey), and sources that
/// are not regular files: devices, FIFOs, pipes and streams.
/// </summary>
public sealed class ImageHostileInputTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string name, byte[] bytes)
    {
        var path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static ImageLoadException Refused(string path) => Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path));

    [Fact]
    public void Jpeg_MinimalCompleteFile_DecodesToMidGrey()
    {
        // The control for the next test: two bits per block is the least any JPEG can spend, and it is accepted.
        using var loaded = ImageLoader.Load(Write("grey.jpg", TestFiles.GreyJpeg(64, 48)));
        Assert.Equal((64, 48), (loaded.Width, loaded.Height));
        Assert.Equal(new Rgb24(128, 128, 128), loaded.Rgb[63, 47]);
    }

    [Fact]
    public void Jpeg_DeclaringTenThousandSquaredWithACutOffScan_IsRefusedBeforeDecoding()
    {
        // 10000×10000 needs 1,562,500 blocks; this scan holds 2,400 of them — and ends with a proper FFD9.
        var bytes = TestFiles.GreyJpeg(10000, 10000, blocks: 2400);
        Assert.True(bytes.Length < 1000, $"{bytes.Length} bytes");
        var path = Write("bomb.jpg", bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(path);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8_000_000, "allocated before refusing");
        Assert.Contains("10000×10000", e.Message);
        Assert.Contains("fewer than the 1562500 blocks", e.Message);
        // Not a truncation the caller may waive: the data cannot hold the image at all.
        Assert.Throws<ImageLoadException>(() => ImageLoader.Load(path, new ImageLoadOptions { AllowTruncated = true }));
    }

    [Fact]
    public void Jpeg_FrameWithoutAnyScan_IsRefused()
    {
        var bytes = TestFiles.GreyJpeg(4000, 4000, blocks: 0).ToList();
        var sos = bytes.FindIndex(b => b == 0xDA) - 1; // drop the SOS segment and the padding: SOF, then EOI
        bytes.RemoveRange(sos, bytes.Count - 2 - sos);
        Assert.Contains("no image data", Refused(Write("noscan.jpg", [.. bytes])).Message);
    }

    [Fact]
    public void Gif_NineThousandSquaredScreenOverAOnePixelFrame_IsRefused()
    {
        var bytes = TestFiles.GifWithScreen(9000, 9000);
        Assert.Equal(35, bytes.Length);
        var e = Refused(Write("screen.gif", bytes));
        Assert.Contains("9000×9000 screen", e.Message);
        Assert.Contains("blank background", e.Message);
    }

    [Fact]
    public void Gif_FrameDeclaringMorePixelsThanItsDataHolds_IsRefused()
    {
        var e = Refused(Write("frame.gif", TestFiles.GifWithScreen(9000, 9000, 9000, 9000)));
        Assert.Contains("first frame declares 9000×9000 pixels", e.Message);
        Assert.Contains("2 bytes of LZW data", e.Message);
    }

    [Fact]
    public void Gif_SmallScreenLargerThanItsFrame_StillLoads()
    {
        // Background around a small frame is legitimate below a megapixel.
        using var loaded = ImageLoader.Load(Write("small.gif", TestFiles.GifWithScreen(1000, 1000)));
        Assert.Equal(1000, loaded.Width);
    }

    [Fact]
    public void Png_DeclaringMorePixelsThanItsDeflateDataCanHold_IsRefused()
    {
        var e = Refused(Write("bomb.png", TestFiles.PngWithHeader(9000, 9000)));
        Assert.Contains("9000×9000", e.Message);
        Assert.Contains("compressed data can hold at most", e.Message);
    }

    [Theory]
    [InlineData("/dev/urandom")]
    [InlineData("/dev/zero")]
    public void Device_IsReadAsAStreamAndRefusedByItsFirstBytes(string device)
    {
        if (!File.Exists(device)) return;
        var e = Refused(device);
        Assert.Contains("not an image in a supported format", e.Message);
        Assert.DoesNotContain("empty", e.Message);
    }

    [Fact]
    public async Task Fifo_WithAWriter_IsReadWhole()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = _folder.File("input.png");
        UnixFiles.MakeFifo(fifo);
        using var image = new Image<Rgb24>(5, 3, new Rgb24(10, 200, 30));
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        var writer = Task.Run(() => File.WriteAllBytes(fifo, png.ToArray()));
        using var loaded = await Task.Run(() => ImageLoader.Load(fifo)).WaitAsync(TimeSpan.FromSeconds(60));
        await writer;
        Assert.Equal(new Rgb24(10, 200, 30), loaded.Rgb[4, 2]);
    }

    [Fact]
    public void Stream_NotSeekable_IsReadWhole()
    {
        using var image = new Image<Rgb24>(4, 4, new Rgb24(1, 2, 3));
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        using var loaded = ImageLoader.Load(new ForwardOnlyStream(png.ToArray(), endless: false), "standard input");
        Assert.Equal(new Rgb24(1, 2, 3), loaded.Rgb[3, 3]);
    }

    [Fact]
    public void Stream_LongerThanTheLimit_IsRefusedAtTheLimit()
    {
        using var image = new Image<Rgb24>(4, 4);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        // A PNG start followed by endless bytes: reading stops at the limit instead of exhausting memory.
        var source = new ForwardOnlyStream(png.ToArray(), endless: true);
        var e = Assert.Throws<ImageLoadException>(() =>
            ImageLoader.Load(source, "standard input", new ImageLoadOptions { MaxStreamBytes = 1 << 20 }));
        Assert.Contains("more than 1048576 bytes", e.Message);
        Assert.InRange(source.Delivered, 1 << 20, (1 << 20) + (1 << 17));
    }

    [Fact]
    public void Stream_Empty_SaysSo()
    {
        var e = Assert.Throws<ImageLoadException>(() => ImageLoader.Load(new ForwardOnlyStream([], endless: false), "standard input"));
        Assert.Contains("'standard input' delivered no data", e.Message);
    }

    /// <summary>A pipe-like stream: no seeking, no length; optionally endless after its bytes.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes, bool endless) : Stream
    {
        private long _position;

        public long Delivered => _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = 0;
            while (n < count && (endless || _position < bytes.Length))
            {
                buffer[offset + n++] = _position < bytes.Length ? bytes[_position] : (byte)(_position * 31);
                _position++;
            }

            return n;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
