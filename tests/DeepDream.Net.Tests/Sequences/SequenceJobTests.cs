using DeepDream.Sequences;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

using static DeepDream.Tests.Sequences.TestJobs;

namespace DeepDream.Tests.Sequences;

public sealed class SequenceJobTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "deepdream-job-" + Guid.NewGuid().ToString("N"), "frames");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);

    [Fact]
    public async Task Reopen_WithTheSameDescription_ContinuesAfterTheLastFrame()
    {
        using (var job = SequenceJob.Open(_folder, Describe()))
        {
            await Make(job, 3);
            Assert.Equal(3, job.FramesDone);
        }
        var written = File.GetLastWriteTimeUtc(Path.Combine(_folder, FrameFolder.FrameName(2)));
        using var again = SequenceJob.Open(_folder, Describe());
        Assert.Equal(3, again.FramesDone);
        Assert.Equal([0, 1, 2], again.Frames.Select(f => f.Index));
        Assert.Equal(written, File.GetLastWriteTimeUtc(again.FramePath(2)));
        using var frame = again.LoadFrame(2);
        Assert.Equal((12, 8), (frame.Width, frame.Height));
    }

    [Fact]
    public async Task Manifest_LagsWhileOpen_FramesAreAdoptedAfterAKill_AndClosingRecordsEveryFrame()
    {
        var job = SequenceJob.Open(_folder, Describe());
        await Make(job, 3);
        // Written at open, then at most every 15 s: the three quick frames are not recorded yet (as after a kill).
        using (var stream = File.OpenRead(Path.Combine(_folder, SequenceJob.ManifestName)))
        using (var manifest = System.Text.Json.JsonDocument.Parse(stream))
            Assert.Equal(0, manifest.RootElement.GetProperty("framesDone").GetInt32());
        var killed = _folder + "-killed"; // the folder as a kill at this instant leaves it
        Directory.CreateDirectory(killed);
        foreach (var file in Directory.GetFiles(_folder).Where(f => !Path.GetFileName(f).StartsWith('.'))) File.Copy(file, Path.Combine(killed, Path.GetFileName(file)));
        using (var adopted = SequenceJob.Open(killed, Describe()))
        {
            Assert.Equal(3, adopted.FramesDone); // unrecorded frames are adopted from their files, timing unknown
            Assert.All(adopted.Frames, f => Assert.Null(f.Seconds));
        }
        job.Dispose();
        using (var stream = File.OpenRead(Path.Combine(_folder, SequenceJob.ManifestName)))
        using (var manifest = System.Text.Json.JsonDocument.Parse(stream))
        {
            Assert.Equal(3, manifest.RootElement.GetProperty("framesDone").GetInt32());
            Assert.Equal([1, 2, 3], manifest.RootElement.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("seed").GetInt32()));
        }
        using var again = SequenceJob.Open(_folder, Describe());
        Assert.Equal(3, again.FramesDone);
        Assert.All(again.Frames, f => Assert.NotNull(f.Seconds));
    }

    [Fact]
    public async Task Reopen_WithOtherSettings_Refuses_UnlessRestarted()
    {
        using (var job = SequenceJob.Open(_folder, Describe()))
            await Make(job, 2);
        var e = Assert.Throws<SequenceJobMismatchException>(() => SequenceJob.Open(_folder, Describe("1.1")));
        Assert.Contains("holds 2 frame(s) made with other settings (zoom: 1.05 → 1.1)", e.Message);
        using var restarted = SequenceJob.Open(_folder, Describe("1.1"), restart: true);
        Assert.Equal(0, restarted.FramesDone);
        Assert.False(File.Exists(restarted.FramePath(0)));
    }

    [Fact]
    public async Task MissingFrameFile_MakesTheJobResumeFromThere()
    {
        using (var job = SequenceJob.Open(_folder, Describe()))
            await Make(job, 4);
        File.Delete(Path.Combine(_folder, FrameFolder.FrameName(2)));
        using var again = SequenceJob.Open(_folder, Describe());
        Assert.Equal(2, again.FramesDone);
        Assert.False(File.Exists(again.FramePath(3))); // later frames are dropped, not mixed in
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)] // frame-000002.png alone (found by outside testing: only frame-000001.png was looked for, and the rest was deleted)
    [InlineData(8)]
    public void FramesWithoutAManifest_AreNotAdopted_NorDeleted(int index)
    {
        Directory.CreateDirectory(_folder);
        var frame = Path.Combine(_folder, FrameFolder.FrameName(index));
        TestSupport.TestImages.Noise(4, 4).SaveAsPng(frame);
        var bytes = File.ReadAllBytes(frame);
        var e = Assert.Throws<FrameSinkException>(() => SequenceJob.Open(_folder, Describe()));
        Assert.Contains(FrameFolder.FrameName(index), e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(frame));
    }

    [Fact]
    public void SecondOpen_WhileTheFirstHoldsTheJob_IsRefused()
    {
        using var job = SequenceJob.Open(_folder, Describe());
        var e = Assert.Throws<FrameSinkException>(() => SequenceJob.Open(_folder, Describe()));
        Assert.Contains("in use by another run", e.Message);
    }

    [Fact]
    public async Task Delete_RemovesFramesManifestAndTheFolder()
    {
        var job = SequenceJob.Open(_folder, Describe());
        await Make(job, 2);
        job.Delete();
        Assert.False(Directory.Exists(_folder));
    }

    [Fact]
    public void Description_SaveAndTryLoad_RoundTrip_Atomically_AndRejectOtherFiles()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "job.json");
        Assert.Null(JobDescription.TryLoad(path));
        Describe("1.2").Save(path);
        Describe("1.3").Save(path); // replaces
        var loaded = JobDescription.TryLoad(path);
        Assert.NotNull(loaded);
        Assert.Equal(("zoom", "in.png (10 bytes)"), (loaded.Kind, loaded.Input));
        Assert.Empty(Describe("1.3").DifferencesFrom(loaded));
        Assert.Equal(["zoom: 1.3 → 1.2"], Describe("1.2").DifferencesFrom(loaded));
        Assert.Equal(["job.json"], Directory.GetFiles(_folder).Select(Path.GetFileName)); // no temporary file left
        File.WriteAllText(path, "{\"format\": \"something-else\", \"kind\": \"zoom\", \"input\": \"x\", \"settings\": {}}");
        Assert.Null(JobDescription.TryLoad(path));
        File.WriteAllText(path, "{ not json");
        Assert.Null(JobDescription.TryLoad(path));
        Assert.ThrowsAny<IOException>(() => Describe().Save(Path.Combine(_folder, "missing", "job.json")));
    }
}
