using DeepDream.Sequences;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Sequences;

public sealed class MediaTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "deepdream-media-" + Guid.NewGuid().ToString("N"));

    public MediaTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void GifSink_WritesEveryFrame_WithTheDelay_AndNoTemporaryFileLeft()
    {
        var path = PathOf("anim.gif");
        using (var sink = new GifFileSink(path, 24, 16, new FrameRate(25)))
        {
            for (var i = 0; i < 5; i++)
            {
                using var frame = TestSupport.TestImages.Noise(24, 16, seed: i);
                sink.Write(frame);
            }
            sink.Complete();
        }
        using var gif = Image.Load<Rgb24>(path);
        Assert.Equal(5, gif.Frames.Count);
        Assert.Equal((24, 16), (gif.Width, gif.Height));
        Assert.All(gif.Frames.Cast<ImageFrame>(), f => Assert.Equal(4, f.Metadata.GetGifMetadata().FrameDelay));
        Assert.Equal(["anim.gif"], Directory.GetFiles(_folder).Select(Path.GetFileName));
        // Each frame is its own 256-colour palette: a noise frame comes back close to the original.
        using var first = TestSupport.TestImages.Noise(24, 16, seed: 0);
        var a = Tools.Bytes(first);
        var b = Tools.Bytes(gif.Frames.CloneFrame(0));
        Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Average() < 20);
    }

    [Fact]
    public void GifSink_DisposedWithoutComplete_LeavesNothing()
    {
        using (var sink = new GifFileSink(PathOf("x.gif"), 8, 8, new FrameRate(10)))
        {
            using var frame = TestSupport.TestImages.Noise(8, 8);
            sink.Write(frame);
        }
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void GifSource_ReadsTheFramesAndTheRate()
    {
        var path = PathOf("in.gif");
        using (var sink = new GifFileSink(path, 12, 10, new FrameRate(10)))
        {
            for (var i = 0; i < 3; i++)
            {
                using var frame = TestSupport.TestImages.Noise(12, 10, seed: i);
                sink.Write(frame);
            }
            sink.Complete();
        }
        using var source = GifFrameSource.Open(path);
        Assert.Equal(3, source.FrameCount);
        Assert.Equal(new FrameRate(10), source.FrameRate);
        Assert.Equal(3, source.ReadFrames().Count());
    }

    [Fact]
    public void FrameFolder_ReadsInNumericOrder_IgnoringOtherFiles()
    {
        foreach (var n in new[] { 9, 10, 8 }) TestSupport.TestImages.Noise(6, 4, seed: n).SaveAsPng(PathOf($"img_{n}.png"));
        File.WriteAllText(PathOf("notes.txt"), "x");
        using var source = FrameFolder.Open(_folder, new FrameRate(24));
        Assert.Equal(["img_8.png", "img_9.png", "img_10.png"], source.Files.Select(Path.GetFileName));
        Assert.Equal(3, source.ReadFrames().Count());
    }

    [Fact]
    public void FrameFolder_WithAGap_NamesTheMissingFrame()
    {
        foreach (var n in new[] { 1, 2, 4 }) TestSupport.TestImages.Noise(6, 4).SaveAsPng(PathOf(FrameFolder.FrameName(n - 1)));
        var e = Assert.Throws<FrameSourceException>(() => FrameFolder.Open(_folder, new FrameRate(24)));
        Assert.Contains("no frame numbered 3 between frame-000002.png and frame-000004.png", e.Message);
    }

    [Fact]
    public void FrameFolder_Empty_OrMixed_OrDifferentSizes_IsRefused()
    {
        Assert.Contains("holds no numbered frames", Assert.Throws<FrameSourceException>(() => FrameFolder.Open(_folder, new FrameRate(24))).Message);
        TestSupport.TestImages.Noise(6, 4).SaveAsPng(PathOf("a1.png"));
        TestSupport.TestImages.Noise(6, 4).SaveAsPng(PathOf("b1.png"));
        Assert.Contains("mixes several numbered series", Assert.Throws<FrameSourceException>(() => FrameFolder.Open(_folder, new FrameRate(24))).Message);
        File.Delete(PathOf("b1.png"));
        TestSupport.TestImages.Noise(7, 4).SaveAsPng(PathOf("a2.png"));
        // Every frame's header is read when the folder is opened: a frame of another size is found before any is dreamed.
        Assert.Contains("all frames of a folder must have one size", Assert.Throws<FrameSourceException>(() => FrameFolder.Open(_folder, new FrameRate(24))).Message);
    }

    [Theory]
    [InlineData("24", 24, 1)]
    [InlineData("30000/1001", 30000, 1001)]
    [InlineData("12.5", 25, 2)]
    public void FrameRate_Parses(string text, int n, int d)
    {
        Assert.True(FrameRate.TryParse(text, out var rate));
        Assert.Equal((n, d), (rate.Numerator, rate.Denominator));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("abc")]
    [InlineData("5000")]
    [InlineData("1/0")]
    public void FrameRate_RejectsBadValues(string text) => Assert.False(FrameRate.TryParse(text, out _));

    [Fact]
    public void Ffmpeg_Locate_AtAMissingPath_SaysWhatToDo()
    {
        var e = Assert.Throws<DependencyMissingException>(() => Ffmpeg.Locate(PathOf("no-ffmpeg")));
        Assert.Contains("ffmpeg was not found at", e.Message);
    }

    [RequiresFfmpegFact]
    public void VideoSinkAndSource_RoundTrip_FrameCountSizeAndRate()
    {
        var ffmpeg = Ffmpeg.Locate();
        var path = PathOf("clip.mp4");
        using (var sink = new VideoFileSink(ffmpeg, path, 33, 20, new FrameRate(12)))
        {
            Assert.Equal((32, 20), (sink.OutputWidth, sink.OutputHeight));
            for (var i = 0; i < 6; i++)
            {
                using var frame = TestSupport.TestImages.Noise(33, 20, seed: i);
                sink.Write(frame);
            }
            sink.Complete();
        }
        Assert.Equal([("video", 32, 20, "12/1", 6)], Tools.Probe(path));
        using var source = VideoFileSource.Open(ffmpeg, path);
        Assert.Equal((32, 20, 6), (source.Width, source.Height, source.FrameCount));
        Assert.Equal(6, source.ReadFrames().Count());
    }

    [RequiresFfmpegFact]
    public void VideoSource_NotAVideo_IsRefused()
    {
        File.WriteAllText(PathOf("fake.mp4"), "this is not a video");
        var e = Assert.Throws<FrameSourceException>(() => VideoFileSource.Open(Ffmpeg.Locate(), PathOf("fake.mp4")));
        Assert.Contains("is not a video ffmpeg can read", e.Message);
    }
}
