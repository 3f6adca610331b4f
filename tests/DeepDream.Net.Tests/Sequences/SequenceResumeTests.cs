using System.Text.Json;
using DeepDream.Cli;
using DeepDream.Sequences;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;

using static DeepDream.Tests.Sequences.TestJobs;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// Resuming as a hostile user would: a rerun asking for fewer frames than were made, a kill that left the manifest behind
/// its frames, a second run on a folder in use, an output spelled with a trailing slash.
/// </summary>
public sealed class SequenceResumeTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>The manifest as a kill leaves it before its first periodic update: no frame recorded.</summary>
    private static void ForgetRecords(string folder)
    {
        var path = Path.Combine(folder, SequenceJob.ManifestName);
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        manifest["framesDone"] = 0;
        manifest["frames"] = new System.Text.Json.Nodes.JsonArray();
        File.WriteAllText(path, manifest.ToJsonString());
    }

    [Fact]
    public async Task Zoom_RerunAskingForFewerFrames_ToGif_WritesThatMany_AndKeepsTheFramesMadeBefore()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var gif = _cli.PathOf("z.gif");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", gif, "--frames", "4", "--keep-frames")).ExitCode);
        var frames = Directory.GetFiles(gif + ".frames", "frame-*.png").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        var result = await _cli.RunFast("zoom", input, "-o", gif, "--frames", "2", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using (var image = Image.Load(gif)) Assert.Equal(2, image.Frames.Count);
        Assert.Contains("wrote " + gif + " (2 frames,", result.Stderr);
        Assert.Contains($"note: {gif}.frames holds 4 frames from an earlier run, more than the 2 written; it is kept (--frames 4 writes them all).", result.Stderr);
        Assert.Equal(frames, Directory.GetFiles(gif + ".frames", "frame-*.png").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)); // no dreamed frame lost
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("frames").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("frameTimes").GetArrayLength());
        // Asking for them all again writes the four, and then the frame folder goes as usual.
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", gif, "--frames", "4")).ExitCode);
        using (var image = Image.Load(gif)) Assert.Equal(4, image.Frames.Count);
        Assert.False(Directory.Exists(gif + ".frames"));
    }

    [Fact]
    public async Task Zoom_RerunAskingForFewerFrames_ToFolder_RemovesNone_AndSaysSo()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var folder = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", folder, "--frames", "3")).ExitCode);
        var result = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"note: {folder} holds 3 frames from an earlier run, more than the 1 asked for; none were removed.", result.Stderr);
        Assert.Equal(3, Directory.GetFiles(folder, "frame-*.png").Length);
    }

    [Fact]
    public async Task AfterAKill_TheMismatchCountsTheFramesOnDisk_NotTheLaggingRecords()
    {
        var folder = _cli.PathOf("frames");
        using (var job = SequenceJob.Open(folder, Describe())) await Make(job, 3);
        ForgetRecords(folder);
        var e = Assert.Throws<SequenceJobMismatchException>(() => SequenceJob.Open(folder, Describe("1.1")));
        Assert.Contains("holds 3 frame(s) made with other settings (zoom: 1.05 → 1.1)", e.Message);
    }

    [Fact]
    public async Task AdoptedFrames_AreLeftOutOfTheRecords_SoTheManifestStaysValid_AndTheNextOpenAdoptsThemAgain()
    {
        var folder = _cli.PathOf("frames");
        using (var job = SequenceJob.Open(folder, Describe())) await Make(job, 3);
        ForgetRecords(folder);
        using (var adopted = SequenceJob.Open(folder, Describe()))
        {
            Assert.Equal(3, adopted.FramesDone);
            await Make(adopted, 5);
        }
        using (var stream = File.OpenRead(Path.Combine(folder, SequenceJob.ManifestName)))
        using (var manifest = JsonDocument.Parse(stream))
        {
            Assert.Equal(5, manifest.RootElement.GetProperty("framesDone").GetInt32());
            var records = manifest.RootElement.GetProperty("frames").EnumerateArray().ToList();
            Assert.Equal([3, 4], records.Select(r => r.GetProperty("index").GetInt32()));
            Assert.Equal([4, 5], records.Select(r => r.GetProperty("seed").GetInt32())); // seed + index
            Assert.All(records, r => Assert.True(r.GetProperty("seconds").GetDouble() >= 0));
        }
        using var again = SequenceJob.Open(folder, Describe());
        Assert.Equal((5, null), (again.FramesDone, again.RejectedFrame));
        Assert.Equal([null, null, null, 4, 5], again.Frames.Select(f => f.Seed));
    }

    [Fact]
    public async Task Batch_SecondRunOnAFolderInUse_Exits3_AndWritesNothing()
    {
        var a = _cli.WriteNoise("a.png", 40, 32, seed: 1);
        var folder = Directory.CreateDirectory(_cli.PathOf("out")).FullName;
        _cli.WriteNoise("b.png", 40, 32, seed: 2);
        using (FolderLock.Take(folder)) // the first run, still writing
        {
            var result = await _cli.RunFast("dream", a, _cli.PathOf("b.png"), "-o", folder, "--restart");
            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.Contains($"The folder '{folder}' is in use by another run", result.Stderr);
            Assert.Equal([FolderLock.Name], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        }
        Assert.Equal(0, (await _cli.RunFast("dream", a, _cli.PathOf("b.png"), "-o", folder)).ExitCode); // released: the next run goes ahead
        Assert.True(File.Exists(Path.Combine(folder, "b.png")));
    }

    [Fact]
    public async Task Zoom_OutputFolderWithATrailingSlash_IsCreated_LikeWithout()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var result = await _cli.RunFast("zoom", input, "-o", _cli.PathOf("new") + "/", "--frames", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(_cli.PathOf("new/frame-000001.png")));
    }
}
