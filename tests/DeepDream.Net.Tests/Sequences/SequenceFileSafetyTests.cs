using DeepDream.Cli;
using DeepDream.Sequences;
using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// What a sequence run may delete or replace: only the temporary files its own writers name (exactly), never a user's
/// <c>.notes.tmp</c>, the run's input or its guide; a refused run leaves the folder as it was; a full disk while writing
/// a GIF reports the write error and leaves no temporary file; empty paths and bad frame folders are refused up front.
/// </summary>
public sealed class SequenceFileSafetyTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private Task<CliResult> Tiny(params string[] args) => _cli.RunFast([.. args, "-q"]);

    [Fact]
    public void TargetOfTemporary_KnowsOnlyTheWritersExactNames()
    {
        var made = Path.GetFileName(AtomicFile.TemporaryNameFor("/x/frame-000001.png"));
        Assert.Equal("frame-000001.png", AtomicFile.TargetOfTemporary(made));
        Assert.Equal("deepdream-job.json", AtomicFile.TargetOfTemporary(".deepdream-job.json.0123456789ab.tmp"));
        Assert.Null(AtomicFile.TargetOfTemporary(".notes.tmp"));
        Assert.Null(AtomicFile.TargetOfTemporary(".zz.gif.abc.tmp"));
        Assert.Null(AtomicFile.TargetOfTemporary(".zz.gif.0123456789AB.tmp")); // the writer's hex is lowercase
        Assert.Null(AtomicFile.TargetOfTemporary(".zz.gif.0123456789abc.tmp")); // one digit too many
        Assert.Null(AtomicFile.TargetOfTemporary("zz.gif.0123456789ab.tmp"));
        Assert.Null(AtomicFile.TargetOfTemporary("..0123456789ab.tmp"));
    }

    [Fact]
    public async Task Zoom_FolderOutput_RemovesOnlyTheJobsOwnLeftovers()
    {
        var input = _cli.WriteNoise("in.png");
        var folder = Directory.CreateDirectory(_cli.PathOf("userdir")).FullName;
        string[] users = [".notes.tmp", ".other.png.0123456789ab.tmp", ".frame-x.png.0123456789ab.tmp"];
        string[] leftovers = [".frame-000001.png.0123456789ab.tmp", ".deepdream-job.json.abcdef012345.tmp"];
        foreach (var name in users.Concat(leftovers)) File.WriteAllText(Path.Combine(folder, name), "precious");
        var result = await Tiny("zoom", input, "-o", folder, "--frames", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var name in users) Assert.Equal("precious", File.ReadAllText(Path.Combine(folder, name)));
        foreach (var name in leftovers) Assert.False(File.Exists(Path.Combine(folder, name)), name);
        Assert.True(File.Exists(Path.Combine(folder, "frame-000001.png")));
    }

    [Fact]
    public async Task Zoom_RefusedFolder_WithoutManifest_IsLeftExactlyAsItWas_NoLockEither()
    {
        var input = _cli.WriteNoise("in.png");
        var folder = Directory.CreateDirectory(_cli.PathOf("cwd2")).FullName;
        File.Copy(input, Path.Combine(folder, "frame-000001.png"));
        File.WriteAllText(Path.Combine(folder, ".notes.tmp"), "x");
        File.WriteAllText(Path.Combine(folder, ".frame-000002.png.0123456789ab.tmp"), "half a frame");
        var before = Tools.Hashes(folder);
        var result = await Tiny("zoom", input, "-o", folder, "--frames", "1");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("but no deepdream-job.json", result.Stderr);
        Assert.Equal(before, Tools.Hashes(folder)); // the leftover too: the folder is not this job's
        Assert.False(File.Exists(Path.Combine(folder, ".deepdream-job.lock")));
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task Zoom_RefusedFolder_OfAnotherJob_KeepsItsFiles()
    {
        var input = _cli.WriteNoise("in.png");
        var folder = _cli.PathOf("job");
        Assert.Equal(0, (await Tiny("zoom", input, "-o", folder, "--frames", "1")).ExitCode);
        File.WriteAllText(Path.Combine(folder, ".frame-000002.png.0123456789ab.tmp"), "half a frame");
        var before = Tools.Hashes(folder);
        var result = await Tiny("zoom", input, "-o", folder, "--frames", "1", "--zoom", "1.2");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("made with other settings", result.Stderr);
        Assert.Equal(before, Tools.Hashes(folder));
    }

    [Fact]
    public async Task Gif_StaleTemporaryCleanup_SparesTheInput_AndNamesTheWriterDoesNotMake()
    {
        var image = _cli.WriteNoise("in.png");
        var input = _cli.PathOf(".zz.gif.0123456789ab.tmp"); // exactly the writer's pattern, but it is the input
        File.Copy(image, input);
        var shortName = _cli.PathOf(".zz.gif.abc.tmp");
        File.Copy(image, shortName);
        var stale = _cli.PathOf(".zz.gif.fedcba987654.tmp"); // a killed run's unfinished GIF
        File.WriteAllText(stale, "GIF89a");
        var inputBytes = File.ReadAllBytes(input);
        var result = await Tiny("zoom", input, "-o", _cli.PathOf("zz.gif"), "--frames", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(inputBytes, File.ReadAllBytes(input));
        Assert.True(File.Exists(shortName));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(_cli.PathOf("zz.gif")));
    }

    [Fact]
    public async Task Gif_GuideThatIsTheOutput_IsRefused_BeforeAnythingChanges()
    {
        var input = _cli.WriteNoise("in.png");
        var guide = _cli.PathOf("gg.gif");
        Tools.WriteNoiseGif(guide, 48, 40, 1);
        File.CreateSymbolicLink(_cli.PathOf("alias.gif"), guide);
        var before = Tools.Hashes(_cli.Folder);
        foreach (var spelling in new[] { guide, _cli.PathOf("alias.gif"), _cli.PathOf("./gg.gif") })
        {
            var result = await Tiny("zoom", input, "-o", guide, "--frames", "2", "--guide", spelling, "--restart");
            Assert.True(result.ExitCode == 2, spelling + ": " + result);
            Assert.Contains("is the --guide image itself", result.Stderr);
            Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        Assert.Equal(before, Tools.Hashes(_cli.Folder));
        Assert.False(Directory.Exists(guide + ".frames"));
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public void GifSink_FullDisk_ReportsTheWriteError_DisposesQuietly_AndLeavesNoTemporaryFile()
    {
        var path = _cli.PathOf("full.gif");
        using var frame = new Image<Rgb24>(48, 40);
        var sink = new GifFileSink(path, 48, 40, new FrameRate(10), temporary => new FullDiskStream(temporary, capacity: 200));
        var error = Assert.Throws<FrameSinkException>(() =>
        {
            for (var i = 0; i < 50; i++) sink.Write(frame); // buffered: the disk fills on a flush
            sink.Complete();
        });
        Assert.Contains("No space left on device", error.Message);
        sink.Dispose(); // flushing the rest fails again: not thrown over the write error
        Assert.Empty(Directory.GetFiles(_cli.Folder, ".full.gif.*"));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void SequenceOutput_FullDiskOnAGif_FailsWithTheSinkError_AndDisposeDoesNotThrow()
    {
        var path = _cli.PathOf("queued.gif");
        using var frame = new Image<Rgb24>(48, 40);
        var output = new SequenceOutput(new GifFileSink(path, 48, 40, new FrameRate(10), temporary => new FullDiskStream(temporary, capacity: 200)));
        Assert.Throws<FrameSinkException>(() =>
        {
            for (var i = 0; i < 50; i++) output.Add(frame);
            output.Complete();
        });
        output.Dispose();
        Assert.Empty(Directory.GetFiles(_cli.Folder, ".queued.gif.*"));
    }

    public static TheoryData<string[], string> EmptyPaths => new()
    {
        { ["zoom", "in.png", "-o", ""], "--output" },
        { ["zoom", "", "-o", "x.gif"], "INPUT" },
        { ["video", "", "-o", "e.gif"], "INPUT" },
        { ["dream", "photos", "-o", ""], "--output" },
        { ["dream", "", "in.png", "-o", "bb"], "INPUT" },
        { ["zoom", "in.png", "-o", "e.gif", "--guide", ""], "--guide" },
        { ["dream", "in.png", "-o", "e.png", "--guide", ""], "--guide" },
        { ["dream", "in.png", "-o", "e.png", "--model", ""], "--model" },
        { ["dream", "in.png", "-o", "e.png", "--save-octaves", ""], "--save-octaves" },
        { ["zoom", "in.png", "-o", "e.mp4", "--ffmpeg", ""], "--ffmpeg" },
        { ["layers", "--model", ""], "--model" },
    };

    [Theory]
    [MemberData(nameof(EmptyPaths))]
    public async Task EmptyPath_IsAUsageError_NamingTheOption(string[] args, string option)
    {
        _cli.WriteNoise("in.png");
        var result = await _cli.RunTiny([.. args.Select(a => a is "in.png" or "x.gif" or "e.gif" or "e.png" or "e.mp4" or "bb" or "photos" ? _cli.PathOf(a) : a)]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"error: {option} needs a path, got an empty one", result.Stderr);
        Assert.DoesNotContain("Unexpected", result.Stderr);
        Assert.Equal(0, _cli.ModelLoads);
        Assert.Equal(["in.png"], Directory.GetFileSystemEntries(_cli.Folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("mixed sizes")]
    [InlineData("truncated")]
    public async Task Video_BadFrameFolder_IsRefusedBeforeRestartDeletesTheFinishedFrames(string damage)
    {
        var frames = _cli.PathOf("fr");
        Tools.WritePanningFrames(frames, "coffee.png", 40, 32, 3, 3);
        var output = _cli.PathOf("out");
        Assert.Equal(0, (await Tiny("video", frames, "-o", output, "--flow", "none")).ExitCode);
        var finished = Tools.Hashes(output);
        Assert.Equal(3, finished.Keys.Count(k => k.StartsWith("frame-", StringComparison.Ordinal)));
        var files = Directory.GetFiles(frames).Order(StringComparer.Ordinal).ToList();
        string expected;
        if (damage == "mixed sizes")
        {
            using (var other = new Image<Rgb24>(32, 32)) other.SaveAsPng(files[2]);
            expected = $"The frame '{files[2]}' is 32x32 but the first frame is 40x32";
        }
        else
        {
            var bytes = File.ReadAllBytes(files[1]);
            File.WriteAllBytes(files[1], bytes[..(bytes.Length / 2)]);
            expected = $"'{files[1]}' is truncated";
        }

        var result = await Tiny("video", frames, "-o", output, "--flow", "none", "--restart");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains(expected, result.Stderr);
        Assert.Equal(finished, Tools.Hashes(output));
        Assert.Equal(1, _cli.ModelLoads); // the first run's only
    }

    /// <summary>
    /// A file on a disk that holds <c>capacity</c> bytes: writes are buffered (4 KiB, like a <see cref="FileStream"/>)
    /// and a flush past the capacity fails with "No space left on device"; closing flushes first, and still closes.
    /// </summary>
    private sealed class FullDiskStream(string path, long capacity) : Stream
    {
        private readonly FileStream _file = new(path, FileMode.CreateNew, FileAccess.Write);
        private readonly MemoryStream _pending = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _file.Length + _pending.Length;
        public override long Position { get => Length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _pending.Write(buffer, offset, count);
            if (_pending.Length >= 4096) Flush();
        }

        public override void Flush()
        {
            if (_pending.Length == 0) return;
            if (_file.Length + _pending.Length > capacity) throw new IOException($"No space left on device : '{path}'");
            _pending.WriteTo(_file);
            _pending.SetLength(0);
        }

        protected override void Dispose(bool disposing)
        {
            try
            {
                if (disposing) Flush();
            }
            finally
            {
                _file.Dispose();
                base.Dispose(disposing);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
