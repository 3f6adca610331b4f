using DeepDream.Sequences;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;

using static DeepDream.Tests.Sequences.TestJobs;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// Job folders damaged by hand, by a full disk or by a hostile user: a manifest with repeated or empty frame records, a
/// cut-off frame, a lock that links elsewhere, an early failure that would leave an empty folder behind.
/// </summary>
public sealed class SequenceJobDamageTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string ManifestPath(string folder) => Path.Combine(folder, SequenceJob.ManifestName);

    [Theory]
    [InlineData("\"frames\": [null, null]", "it has empty frame records")]
    [InlineData("\"frames\": [{\"index\": 0, \"seed\": 1, \"seconds\": 1}, {\"index\": 0, \"seed\": 2, \"seconds\": 1}]", "its frame records repeat or have negative indices")]
    [InlineData("\"frames\": [{\"index\": -1, \"seed\": 0, \"seconds\": 1}]", "its frame records repeat or have negative indices")]
    [InlineData("\"frames\": [{\"index\": 0, \"seed\": 1, \"seconds\": 1}, {\"index\": 1, \"seconds\": 1}]", "frame record 2 has no seed")]
    [InlineData("\"frames\": [{\"index\": 0, \"seed\": 1, \"seconds\": 1}, {\"index\": 1, \"seed\": null, \"seconds\": 1}]", "frame record 2 has no seed")]
    [InlineData("\"frames\": [{\"seed\": 1, \"seconds\": 1}]", "frame record 1 has no index")]
    [InlineData("\"frames\": [{\"index\": 0, \"seed\": 1}]", "frame record 1 has no seconds")]
    public async Task DamagedManifest_WithFramesBesideIt_IsRefusedWithTheReason_AndRestartStartsOver(string frames, string reason)
    {
        var folder = _cli.PathOf("frames");
        using (var job = SequenceJob.Open(folder, Describe())) await Make(job, 2);
        File.WriteAllText(ManifestPath(folder),
            "{\"format\": \"deepdream-sequence-job\", \"version\": 1, \"kind\": \"zoom\", \"input\": \"in.png (10 bytes)\", \"settings\": {\"seed\": \"1\", \"zoom\": \"1.05\"}, \"framesDone\": 2, " + frames + "}");
        var e = Assert.Throws<FrameSinkException>(() => SequenceJob.Open(folder, Describe()));
        Assert.Contains($"but its {SequenceJob.ManifestName} is damaged ({reason})", e.Message);
        Assert.True(File.Exists(Path.Combine(folder, FrameFolder.FrameName(1)))); // nothing deleted by the refusal
        using var again = SequenceJob.Open(folder, Describe(), restart: true);
        Assert.Equal(0, again.FramesDone);
    }

    [Theory]
    [InlineData(@"""index"": 1", @"""index"": 0", 1, "its frame records repeat or have negative indices")]
    [InlineData(@"""seed"": \d+,\s*", "", 2, "frame record 1 has no seed")] // the records' seeds; the settings' seed is text ("3")
    public async Task DamagedManifest_InTheCli_Exits3_WithTheReasonInOneLine_AndChangesNothing(string pattern, string replacement, int edits, string reason)
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var folder = _cli.PathOf("frames");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", folder, "--frames", "2")).ExitCode);
        var text = File.ReadAllText(ManifestPath(folder));
        var edited = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        Assert.Equal(edits, edited.Count(text)); // the hand edit hits what it means to
        File.WriteAllText(ManifestPath(folder), edited.Replace(text, replacement));
        var manifest = File.ReadAllText(ManifestPath(folder));
        var frames = Directory.GetFiles(folder, "frame-*.png").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        var result = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "4");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Contains($"but its {SequenceJob.ManifestName} is damaged ({reason})", result.Stderr);
        Assert.Equal(frames, Directory.GetFiles(folder, "frame-*.png").Order(StringComparer.Ordinal).Select(File.ReadAllBytes));
        Assert.Equal(manifest, File.ReadAllText(ManifestPath(folder)));
    }

    [Fact]
    public async Task TruncatedFrame_OnResume_IsMadeAgain_WithTheFramesAfterIt_AndTheEarlierOnesKept()
    {
        var folder = _cli.PathOf("frames");
        using (var job = SequenceJob.Open(folder, Describe())) await Make(job, 3);
        var first = File.ReadAllBytes(Path.Combine(folder, FrameFolder.FrameName(0)));
        var second = Path.Combine(folder, FrameFolder.FrameName(1));
        var bytes = File.ReadAllBytes(second);
        File.WriteAllBytes(second, bytes[..(bytes.Length / 2)]);
        using (var job = SequenceJob.Open(folder, Describe()))
        {
            Assert.Equal(1, job.FramesDone);
            Assert.StartsWith("frame-000002.png does not load (", job.RejectedFrame);
            Assert.Contains("truncated", job.RejectedFrame);
            Assert.False(File.Exists(second));
            Assert.False(File.Exists(Path.Combine(folder, FrameFolder.FrameName(2))));
            await Make(job, 3);
            Assert.Equal(3, job.FramesDone);
        }
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(folder, FrameFolder.FrameName(0))));
        using var reopened = SequenceJob.Open(folder, Describe());
        Assert.Equal((3, null), (reopened.FramesDone, reopened.RejectedFrame));
    }

    [Fact]
    public async Task FrameWithADamagedHeader_IsMadeAgain_AndTheNoteKeepsTheDecodersReasonWhole()
    {
        var folder = _cli.PathOf("frames");
        using (var job = SequenceJob.Open(folder, Describe())) await Make(job, 2);
        var second = Path.Combine(folder, FrameFolder.FrameName(1));
        var bytes = File.ReadAllBytes(second);
        bytes[29] ^= 0xFF; // the IHDR chunk's CRC (8 signature + 4 length + 4 type + 13 data): the decoder says "CRC Error. ..."
        File.WriteAllBytes(second, bytes);
        using var reopened = SequenceJob.Open(folder, Describe());
        Assert.Equal(1, reopened.FramesDone);
        Assert.Matches(@"^frame-000002\.png does not load \('.+' cannot be read as an image: its header is damaged \(CRC Error[^()]*\)\); it is made again$", reopened.RejectedFrame);
    }

    [Fact]
    public async Task FrameOfAnotherSize_IsMadeAgain_WithTheFramesAfterIt_WhenTheJobKnowsItsFrameSize()
    {
        var folder = _cli.PathOf("frames");
        using (var job = SequenceJob.Open(folder, Describe())) await Make(job, 3);
        using (var replaced = TestImages.Noise(10, 8)) replaced.SaveAsPng(Path.Combine(folder, FrameFolder.FrameName(1)));
        using (var unaware = SequenceJob.Open(folder, Describe())) Assert.Equal(3, unaware.FramesDone); // no size given: any size is taken
        using var job2 = SequenceJob.Open(folder, Describe(), restart: false, frameSize: (12, 8));
        Assert.Equal(1, job2.FramesDone);
        Assert.Equal("frame-000002.png is 10x8, not the 12x8 of this job's frames; it is made again", job2.RejectedFrame);
        Assert.False(File.Exists(Path.Combine(folder, FrameFolder.FrameName(2))));
    }

    [Fact]
    public async Task FrameReplacedByHandWithAnotherSize_InTheCli_IsMadeAgain_NotAnInternalError()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var gif = _cli.PathOf("z.gif");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", gif, "--frames", "3", "--keep-frames")).ExitCode);
        _cli.WriteNoise("z.gif.frames/" + FrameFolder.FrameName(2), 30, 20); // the GIF encoder refused it: exit 1
        var result = await _cli.RunFast("zoom", input, "-o", gif, "--frames", "4");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("note: frame-000003.png is 30x20, not the 40x32 of this job's frames; it is made again.", result.Stderr);
        using var image = SixLabors.ImageSharp.Image.Load(gif);
        Assert.Equal((4, 40, 32), (image.Frames.Count, image.Width, image.Height));
    }

    [Fact]
    public async Task TruncatedFrame_InTheCli_IsNoted_AndTheRunFinishes()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var gif = _cli.PathOf("z.gif");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", gif, "--frames", "3", "--keep-frames")).ExitCode);
        var last = Path.Combine(gif + ".frames", FrameFolder.FrameName(2));
        File.WriteAllBytes(last, File.ReadAllBytes(last)[..40]);
        var result = await _cli.RunFast("zoom", input, "-o", gif, "--frames", "3");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("note: frame-000003.png does not load (", result.Stderr);
        Assert.Contains("resuming: 2 frame(s)", result.Stderr);
        using var image = SixLabors.ImageSharp.Image.Load(gif);
        Assert.Equal(3, image.Frames.Count);
    }

    [Fact]
    public void LockThatIsASymbolicLink_IsRefused_AndNothingIsCreatedWhereItPoints()
    {
        var folder = Directory.CreateDirectory(_cli.PathOf("frames")).FullName;
        var target = _cli.PathOf("elsewhere.txt");
        File.CreateSymbolicLink(Path.Combine(folder, ".deepdream-job.lock"), target);
        var e = Assert.Throws<FrameSinkException>(() => SequenceJob.Open(folder, Describe()));
        Assert.Contains("is a symbolic link", e.Message);
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(ManifestPath(folder)));
    }

    [Fact]
    public void JobWithoutAFinishedFrame_RemovesTheFolderItCreated_ButNeverOneThatExisted()
    {
        var created = _cli.PathOf("new");
        SequenceJob.Open(created, Describe()).Dispose();
        Assert.False(Directory.Exists(created));
        var existing = Directory.CreateDirectory(_cli.PathOf("old")).FullName;
        SequenceJob.Open(existing, Describe()).Dispose();
        Assert.True(File.Exists(ManifestPath(existing)));
    }

    [Fact]
    public async Task FfmpegThatDoesNotRun_IsRefusedBeforeTheJobFolderExists()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var result = await _cli.RunFast("zoom", input, "-o", _cli.PathOf("z.mp4"), "--ffmpeg", "/bin/false");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("does not run as ffmpeg", result.Stderr);
        Assert.Equal(["in.png"], Directory.GetFileSystemEntries(_cli.Folder).Select(Path.GetFileName));
    }

    [Fact]
    public async Task FpsBelowTheLowerBound_SaysTheBound()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var result = await _cli.RunFast("zoom", input, "-o", _cli.PathOf("z.gif"), "--fps", "0.0001");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--fps expects frames per second from 0.001 to 1000", result.Stderr);
    }
}
