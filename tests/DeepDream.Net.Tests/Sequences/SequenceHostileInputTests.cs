using System.Diagnostics;
using DeepDream.Imaging;
using DeepDream.Sequences;
using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;
using DeepDream.Tests.TestSupport;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// Crafted inputs to the sequence commands: playlists posing as videos, frames or GIFs whose size would eat the machine,
/// FIFOs and devices where files are expected. Each is refused with one line and an exit code, before decoding or
/// opening what would block. The 60-second token only keeps a regression from hanging the suite (a hang then shows as
/// exit 130 instead of the expected code); nothing here measures time.
/// </summary>
public sealed class SequenceHostileInputTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private Task<CliResult> Tiny(params string[] args) => _cli.RunFast(TimeSpan.FromSeconds(60), args);

    /// <summary>
    /// A GIF of <paramref name="frames"/> 1×1 frames on a <paramref name="width"/>×<paramref name="height"/> screen, each
    /// frame a local 2-colour palette and three 3-bit LZW codes (clear, 0, end) packed into 0x44 0x01.
    /// </summary>
    internal static byte[] TinyFramesGif(int width, int height, int frames)
    {
        var bytes = new List<byte>("GIF89a"u8.ToArray()) { (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0, 0, 0 };
        for (var i = 0; i < frames; i++)
        {
            bytes.AddRange([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0x80, 255, 0, 0, 0, 0, 255]);
            bytes.AddRange([2, 2, 0x44, 0x01, 0]);
        }
        bytes.Add(0x3B);
        return [.. bytes];
    }

    [RequiresFfmpegFact]
    public async Task Video_PlaylistNamedMp4_IsRefused_AndNoOtherFileIsRead()
    {
        var secret = _cli.PathOf("other.mp4");
        Tools.MakeClip(secret, 32, 24, 5, 0.4, audio: false);
        var evil = _cli.PathOf("evil.mp4");
        File.WriteAllText(evil, $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{secret}\n#EXT-X-ENDLIST\n");
        var e = Assert.Throws<FrameSourceException>(() => VideoFileSource.Open(Ffmpeg.Locate(), evil));
        Assert.Contains("not an ordinary video file", e.Message);

        var concat = _cli.PathOf("list.mkv");
        File.WriteAllText(concat, $"ffconcat version 1.0\nfile '{secret}'\n");
        Assert.Throws<FrameSourceException>(() => VideoFileSource.Open(Ffmpeg.Locate(), concat));

        var result = await Tiny("video", evil, "-o", _cli.PathOf("out.gif"), "--flow", "none");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("not an ordinary video file", result.Stderr);
        Assert.False(File.Exists(_cli.PathOf("out.gif")));
        Assert.False(Directory.Exists(_cli.PathOf("out.gif.frames")));
        Assert.Equal(0, _cli.ModelLoads);
    }

    [RequiresFfmpegFact]
    public async Task Video_FramesAboveThePixelLimit_AreRefusedFromTheProbe_BeforeDecoding()
    {
        // One 10016×10000 frame (100.16 MP) in 13 KB: 1-bit PNG in Matroska.
        var big = _cli.PathOf("big.mkv");
        var (code, _, stderr) = Ffmpeg.Run(Ffmpeg.Locate().FfmpegPath,
            ["-v", "error", "-f", "lavfi", "-i", "color=c=black:s=10016x10000", "-frames:v", "1", "-c:v", "png", "-pix_fmt", "monob", "-y", big], CancellationToken.None);
        Assert.True(code == 0, stderr);
        var e = Assert.Throws<FrameSourceException>(() => VideoFileSource.Open(Ffmpeg.Locate(), big));
        Assert.Contains("10016×10000 frames (100,160,000 pixels), above the pixel limit", e.Message);
        var result = await Tiny("video", big, "-o", _cli.PathOf("out"), "--flow", "none");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.False(Directory.Exists(_cli.PathOf("out")));
    }

    [Fact]
    public async Task Gif_ScreenFarLargerThanItsFrames_IsRefusedAsDreamRefusesIt_BeforeDecoding()
    {
        var gif = _cli.PathOf("screen.gif");
        File.WriteAllBytes(gif, TinyFramesGif(4000, 4000, 60));
        var e = Assert.Throws<ImageLoadException>(() => GifFrameSource.Open(gif));
        Assert.Contains("screen is 16000000 times the area of its first frame", e.Message);
        var result = await Tiny("video", gif, "-o", _cli.PathOf("out"), "--flow", "none");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("16000000 times the area", result.Stderr);
        Assert.False(Directory.Exists(_cli.PathOf("out")));
    }

    [Fact]
    public void Gif_FramesTimesScreenAboveThePixelLimit_IsRefusedBeforeDecoding()
    {
        // A 1000×1000 screen is small enough for any frame size, but 101 frames of it are 101 MP held at once.
        var gif = _cli.PathOf("long.gif");
        File.WriteAllBytes(gif, TinyFramesGif(1000, 1000, 101));
        var e = Assert.Throws<FrameSourceException>(() => GifFrameSource.Open(gif));
        Assert.Contains("has 101 frames of 1000×1000 (101,000,000 pixels in all), above the limit", e.Message);
        File.WriteAllBytes(gif, TinyFramesGif(1000, 1000, 3));
        using var fine = GifFrameSource.Open(gif);
        Assert.Equal((3, 1000, 1000), (fine.FrameCount, fine.Width, fine.Height));
    }

    [Fact]
    public async Task FrameFolder_WithAFifoOrADeviceAsAFrame_IsRefusedWithoutOpeningIt()
    {
        var frames = _cli.PathOf("ff");
        Tools.WritePanningFrames(frames, "coffee.png", 40, 32, 2, 3);
        UnixFiles.MakeFifo(Path.Combine(frames, FrameFolder.FrameName(2)));
        var fifo = await Tiny("video", frames, "-o", _cli.PathOf("out"), "--flow", "none");
        Assert.True(fifo.ExitCode == 3, fifo.ToString());
        Assert.Contains("frame-000003.png' cannot be used: it is empty or not a regular file (a FIFO, socket or device)", fifo.Stderr);

        File.Delete(Path.Combine(frames, FrameFolder.FrameName(2)));
        File.CreateSymbolicLink(Path.Combine(frames, FrameFolder.FrameName(2)), "/dev/zero");
        var zero = await Tiny("video", frames, "-o", _cli.PathOf("out"), "--flow", "none");
        Assert.True(zero.ExitCode == 3, zero.ToString());
        Assert.Contains("not a regular file", zero.Stderr);
        Assert.False(Directory.Exists(_cli.PathOf("out")));
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task Batch_FolderWithAFifo_DreamsTheOtherImages_AndReportsTheFifo()
    {
        Directory.CreateDirectory(_cli.PathOf("b"));
        _cli.WriteNoise("b/a.png", 40, 32);
        UnixFiles.MakeFifo(_cli.PathOf("b/b.png"));
        var result = await Tiny("dream", _cli.PathOf("b"), "-o", _cli.PathOf("out"));
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("b.png' cannot be read as an image: it is empty or not a regular file", result.Stderr);
        Assert.True(File.Exists(_cli.PathOf("out/a.png")));
        Assert.False(File.Exists(_cli.PathOf("out/b.png")));
    }

    [Fact]
    public async Task JobManifestReplacedByAFifo_IsRefusedWithoutOpeningIt()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var folder = _cli.PathOf("frames");
        Assert.Equal(0, (await Tiny("zoom", input, "-o", folder, "--frames", "2")).ExitCode);
        File.Delete(Path.Combine(folder, "deepdream-job.json"));
        UnixFiles.MakeFifo(Path.Combine(folder, "deepdream-job.json"));
        var result = await Tiny("zoom", input, "-o", folder, "--frames", "3");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("deepdream-job.json is damaged (it is empty or not a regular file", result.Stderr);
        Assert.False(File.Exists(Path.Combine(folder, FrameFolder.FrameName(2))));
    }

    [Fact]
    public async Task Sigterm_DuringAZoom_Exits143_AndKeepsTheFinishedFrames()
    {
        if (OperatingSystem.IsWindows()) return; // Signals cannot be sent to another console process on Windows.
        var input = _cli.WriteSample("chelsea.png", 96, "cat.png");
        var folder = _cli.PathOf("frames");
        using var process = CliProcess.Start("zoom", input, "-o", folder, "--frames", "100000", "--octaves", "1", "--steps", "1", "--seed", "1");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var seen = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.AppendLine(line);
            if (line.Contains("frame 1/100000", StringComparison.Ordinal)) break;
        }
        Assert.False(process.HasExited, seen.ToString());
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync(timeout.Token);
        var rest = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 143, $"exit {process.ExitCode}: {seen}{rest}");
        Assert.True(File.Exists(Path.Combine(folder, FrameFolder.FrameName(0))));
        Assert.Empty(Directory.GetFiles(folder, ".*.tmp"));
        Assert.Equal("", await stdout);
    }
}
