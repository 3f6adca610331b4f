using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace DeepDream.Tests.Sequences;

/// <summary><c>deepdream zoom</c>, <c>video</c> and batch <c>dream</c> end to end (in-process, tiny model unless said).</summary>
public sealed class SequenceCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Zoom_ToGif_WritesEveryFrame_AtTheInputSize_AndRemovesTheFrameFolder()
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var gif = _cli.PathOf("zoom.gif");
        var result = await _cli.RunFast("zoom", input, "-o", gif, "--frames", "5", "--fps", "10");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var image = Image.Load<Rgb24>(gif);
        Assert.Equal((5, 48, 32), (image.Frames.Count, image.Width, image.Height));
        Assert.False(Directory.Exists(gif + ".frames"));
        Assert.Contains("wrote " + gif + " (5 frames, 48x32, 10 fps)", result.Stderr);
    }

    [Fact]
    public async Task Zoom_ToGif_Resumed_FeedsTheEarlierFramesFirst_AndRemovesAKilledRunsUnfinishedFile()
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var gif = _cli.PathOf("zoom.gif");
        var first = await _cli.RunFast("zoom", input, "-o", gif, "--frames", "2", "--keep-frames");
        Assert.True(first.ExitCode == 0, first.ToString());
        var stale = _cli.PathOf(".zoom.gif.0123456789ab.tmp"); // what a killed run's encoder leaves
        File.WriteAllText(stale, "half a GIF");
        var more = await _cli.RunFast("zoom", input, "-o", gif, "--frames", "4", "--json");
        Assert.True(more.ExitCode == 0, more.ToString());
        Assert.Contains("resuming: 2 frame(s) already in", more.Stderr);
        Assert.Contains("wrote " + gif + " (4 frames, 48x32, 25 fps: GIF delays are whole hundredths of a second, 4/100 s is the nearest to 24 fps)", more.Stderr);
        Assert.False(File.Exists(stale));
        using (var image = Image.Load<Rgb24>(gif)) Assert.Equal(4, image.Frames.Count);
        var whole = await _cli.RunFast("zoom", input, "-o", _cli.PathOf("whole.gif"), "--frames", "4");
        Assert.True(whole.ExitCode == 0, whole.ToString());
        Assert.Equal(File.ReadAllBytes(_cli.PathOf("whole.gif")), File.ReadAllBytes(gif)); // the same GIF as one uninterrupted run
        using var json = System.Text.Json.JsonDocument.Parse(more.Stdout);
        Assert.True(json.RootElement.GetProperty("timings").GetProperty("encodeBackgroundSeconds").GetDouble() > 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Zoom_Cancelled_SaysWhatWasKept_AndLeavesNothingWithoutAFinishedFrame(int cancelAfterCalls)
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var gif = _cli.PathOf("zoom.gif");
        var frames = gif + ".frames";
        using var source = new CancellationTokenSource();
        // 3 steps per frame, one forward pass per step: the 1st pass is inside frame 1, the 4th inside frame 2.
        string[] args = ["zoom", input, "-o", gif, "--frames", "10", "--octaves", "1", "--steps", "3", "--seed", "3", "--layer", "conv1"];
        var result = await _cli.Run(args, _ => new CancellingExtractor(source, cancelAfterCalls), source.Token);
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.False(File.Exists(gif));
        var kept = Directory.Exists(frames) ? Directory.GetFiles(frames, "frame-*.png").Length : 0;
        if (cancelAfterCalls == 1)
        {
            Assert.Equal("Cancelled before the first frame was finished; no output was written.", result.Stderr.Trim().Split('\n')[^1]);
            Assert.Equal(["in.png"], Directory.GetFileSystemEntries(_cli.Folder).Select(Path.GetFileName)); // no empty job folder either
        }
        else
        {
            Assert.Equal(1, kept);
            Assert.EndsWith($"Stopped; {kept} finished frame{(kept == 1 ? "" : "s")} kept in {frames}{Path.DirectorySeparatorChar} — run the same command again to continue.",
                result.Stderr.Trim());
            Assert.True(File.Exists(Path.Combine(frames, DeepDream.Sequences.Jobs.SequenceJob.ManifestName)));
        }
    }

    [Fact]
    public async Task Zoom_ToFolder_WritesNumberedFrames_AndJsonWithPerFrameSeconds()
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var folder = _cli.PathOf("frames");
        var result = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "3", "--json", "--zoom", "1.2", "--rotate", "3", "--pan", "1,0");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(Enumerable.Range(0, 3), k => Assert.True(File.Exists(Path.Combine(folder, FrameFolder.FrameName(k)))));
        using var json = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var frames = json.RootElement.GetProperty("frameTimes").EnumerateArray().ToList();
        Assert.Equal([3, 4, 5], frames.Select(f => f.GetProperty("seed").GetInt32()));
        Assert.All(frames, f => Assert.True(f.GetProperty("seconds").GetDouble() > 0));
        Assert.Equal("1.2", json.RootElement.GetProperty("settings").GetProperty("zoom").GetString());
    }

    [Fact]
    public async Task Zoom_Rerun_ResumesWithoutRecomputing_ChangedSettingIsRefused_RestartStartsOver()
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var folder = _cli.PathOf("frames");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", folder, "--frames", "2")).ExitCode);
        var first = File.GetLastWriteTimeUtc(Path.Combine(folder, FrameFolder.FrameName(0)));
        var more = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "4");
        Assert.True(more.ExitCode == 0, more.ToString());
        Assert.Contains($"resuming: 2 frame(s) already in {folder}, continuing with their seed 3", more.Stderr);
        Assert.Equal(first, File.GetLastWriteTimeUtc(Path.Combine(folder, FrameFolder.FrameName(0))));
        Assert.True(File.Exists(Path.Combine(folder, FrameFolder.FrameName(3))));

        var changed = await _cli.RunFast("zoom", input, "-o", folder, "--frames", "4", "--zoom", "1.1");
        Assert.Equal(2, changed.ExitCode);
        Assert.Equal($"error: The frame folder '{folder}' holds 4 frame(s) made with other settings (zoom: 1.05 → 1.1); pass --restart to discard them, or choose another output.",
            changed.Stderr.TrimEnd());
        Assert.Equal(first, File.GetLastWriteTimeUtc(Path.Combine(folder, FrameFolder.FrameName(0))));
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", folder, "--frames", "1", "--zoom", "1.1", "--restart")).ExitCode);
        Assert.False(File.Exists(Path.Combine(folder, FrameFolder.FrameName(1))));
    }

    [Fact]
    public async Task Video_FrameFolderToFolder_KeepsFrameCount_AndBadFoldersFail()
    {
        var frames = _cli.PathOf("clip");
        Tools.WritePanningFrames(frames, "coffee.png", 48, 32, 4, 3);
        var output = _cli.PathOf("dreamed");
        var result = await _cli.RunFast("video", frames, "-o", output, "--flow", "none");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(4, Directory.GetFiles(output, "frame-*.png").Length);

        File.Delete(Path.Combine(frames, FrameFolder.FrameName(2)));
        var gap = await _cli.RunFast("video", frames, "-o", _cli.PathOf("gap"), "--flow", "none");
        Assert.Equal(3, gap.ExitCode);
        Assert.Equal("error: The frame folder '" + frames + "' has a gap: no frame numbered 3 between frame-000002.png and frame-000004.png; renumber the frames or supply the missing one.", gap.Stderr.Trim());
        Assert.False(Directory.Exists(_cli.PathOf("gap")));
        Assert.Equal(0, _cli.ModelLoads - 1); // only the first run loaded a model

        Directory.CreateDirectory(_cli.PathOf("empty"));
        var empty = await _cli.RunFast("video", _cli.PathOf("empty"), "-o", _cli.PathOf("e.gif"));
        Assert.Equal(3, empty.ExitCode);
        Assert.Contains("holds no numbered frames", empty.Stderr);
        Assert.False(File.Exists(_cli.PathOf("e.gif")));
    }

    [Fact]
    public async Task Video_GifInToGifOut_KeepsFrameCount()
    {
        var gifIn = _cli.PathOf("in.gif");
        Tools.WriteNoiseGif(gifIn, 40, 30, 3);
        var result = await _cli.RunFast("video", gifIn, "-o", _cli.PathOf("out.gif"), "--flow", "none");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var gif = Image.Load<Rgb24>(_cli.PathOf("out.gif"));
        Assert.Equal(3, gif.Frames.Count);
    }

    [Fact]
    public async Task BadInputsAndOutputs_FailWithOneLine_BeforeAnyModelIsLoaded()
    {
        var input = _cli.WriteNoise("in.png", 48, 32);
        var missing = await _cli.RunFast("zoom", input, "-o", _cli.PathOf("z.mp4"), "--ffmpeg", _cli.PathOf("nowhere/ffmpeg"));
        Assert.Equal(3, missing.ExitCode);
        Assert.StartsWith("error: ffmpeg was not found at", missing.Stderr.Trim());
        Assert.Single(missing.Stderr.Trim().Split('\n'));

        var unwritable = await _cli.RunFast("zoom", input, "-o", _cli.PathOf("no/such/folder/z.gif"));
        Assert.Equal(3, unwritable.ExitCode);
        Assert.Contains("does not exist", unwritable.Stderr);

        var image = await _cli.RunFast("video", input, "-o", _cli.PathOf("v.gif"));
        Assert.Equal(3, image.ExitCode);
        Assert.Contains("is a still image, not a video", image.Stderr);

        var extension = await _cli.RunFast("zoom", input, "-o", _cli.PathOf("z.avi"));
        Assert.Equal(2, extension.ExitCode);
        Assert.Equal(2, (await _cli.RunFast("video", input, "-o", _cli.PathOf("v.gif"), "--blend", "2")).ExitCode);
        Assert.Equal(2, (await _cli.RunFast("video", input, "-o", _cli.PathOf("v.gif"), "--flow", "dis")).ExitCode);
        Assert.Equal(2, (await _cli.RunFast("zoom", input, "-o", _cli.PathOf("z.gif"), "--frames", "0")).ExitCode);
        Assert.Equal(0, _cli.ModelLoads);
        Assert.Equal(["in.png"], Directory.GetFileSystemEntries(_cli.Folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(24, "25 fps: GIF delays are whole hundredths of a second, 4/100 s is the nearest to 24 fps")]
    [InlineData(10, "10 fps")]
    [InlineData(50, "50 fps")]
    public void GifRate_NamesTheRateTheGifPlaysAt(int fps, string expected) =>
        Assert.Equal(expected, DeepDream.Cli.SequenceRun.GifRate(new FrameRate(fps)));

    [RequiresFfmpegFact]
    public async Task Zoom_ToMp4_FfprobeReadsTheFrameCountSizeAndFps_AndTheSummaryNamesTheWrittenSize()
    {
        var input = _cli.WriteNoise("in.png", 49, 33); // odd: H.264 drops the last column and row
        var mp4 = _cli.PathOf("zoom.mp4");
        var result = await _cli.RunFast("zoom", input, "-o", mp4, "--frames", "6", "--fps", "12");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal([("video", 48, 32, "12/1", 6)], Tools.Probe(mp4));
        Assert.Contains("wrote " + mp4 + " (6 frames, 48x32, 12 fps)", result.Stderr);
        Assert.Equal(["in.png", "zoom.mp4"], Directory.GetFileSystemEntries(_cli.Folder).Select(Path.GetFileName).Order());
    }

    [RequiresFfmpegFact]
    public async Task Video_ClipWithAudio_KeepsFrameCountFpsAndAudio()
    {
        var clip = _cli.PathOf("clip.mp4");
        Tools.MakeClip(clip, 48, 32, 10, 2, audio: true);
        var output = _cli.PathOf("out.mp4");
        var result = await _cli.RunFast("video", clip, "-o", output, "--flow", "none");
        Assert.True(result.ExitCode == 0, result.ToString());
        var streams = Tools.Probe(output);
        Assert.Contains(("video", 48, 32, "10/1", 20), streams);
        Assert.Contains(streams, s => s.Type == "audio");
    }

    [RequiresFfmpegFact]
    public async Task Video_NotAVideo_Exits3_AndWritesNothing()
    {
        File.WriteAllText(_cli.PathOf("fake.mp4"), "not a video");
        var result = await _cli.RunFast("video", _cli.PathOf("fake.mp4"), "-o", _cli.PathOf("out.mp4"));
        Assert.Equal(3, result.ExitCode);
        Assert.Contains("is not a video ffmpeg can read", result.Stderr);
        Assert.Equal(["fake.mp4"], Directory.GetFileSystemEntries(_cli.Folder).Select(Path.GetFileName));
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task Batch_SeveralInputs_WritesEachIntoTheFolder_AndARerunSkipsThem()
    {
        var a = _cli.WriteNoise("a.png", 40, 32, seed: 1);
        var b = _cli.WriteNoise("b.jpg", 40, 32, seed: 2);
        var folder = _cli.PathOf("out");
        var result = await _cli.RunFast("dream", a, b, "-o", folder);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(folder, "a.png")) && File.Exists(Path.Combine(folder, "b.jpg")));
        Assert.Equal(1, _cli.ModelLoads);
        var written = File.GetLastWriteTimeUtc(Path.Combine(folder, "a.png"));
        var again = await _cli.RunFast("dream", a, b, "-o", folder);
        Assert.Contains("resuming: 2 of 2 image(s)", again.Stderr);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(folder, "a.png")));
        Assert.Equal(2, (await _cli.RunFast("dream", a, b, "-o", _cli.PathOf("x.png"))).ExitCode);
    }

    /// <summary>
    /// Temporal coherence, measured as in docs/animation.md. A still shot (a photo with fresh ±2 noise in every frame, as
    /// from a camera on a tripod): flow + blend makes consecutive output frames clearly closer than dreaming each alone. A
    /// pan of one whole pixel per frame: after moving frame k−1 by that pixel, what differs is flicker (0 for the source),
    /// and flow + blend has clearly less of it than no blend or the blend carried in place (--flow none).
    /// </summary>
    [RequiresOpenCvFact]
    public async Task Video_FlowAndBlend_LowersTheDifferenceBetweenConsecutiveFrames()
    {
        var common = new[] { "--octaves", "2", "--steps", "5", "--seed", "1", "--layer", "layer3" };
        async Task<List<string>> Dream(string clip, string name, params string[] args)
        {
            var result = await _cli.RunReal(["video", clip, "-o", _cli.PathOf(name), .. args, .. common]);
            Assert.True(result.ExitCode == 0, result.ToString());
            return Directory.GetFiles(_cli.PathOf(name), "frame-*.png").Order().ToList();
        }

        var still = _cli.PathOf("still");
        Tools.WriteNoisyStill(still, "chelsea.png", 128, 80, 10, noise: 2);
        var source = Tools.MeanConsecutiveDifference(Directory.GetFiles(still, "frame-*.png").Order().ToList());
        var alone = Tools.MeanConsecutiveDifference(await Dream(still, "still-alone", "--blend", "0"));
        var blended = Tools.MeanConsecutiveDifference(await Dream(still, "still-blend", "--blend", "0.5", "--flow", "farneback"));
        output.WriteLine($"still: mean |frame[k] - frame[k-1]|: source {source:0.00}, flow+blend {blended:0.00}, no blend {alone:0.00}");

        var pan = _cli.PathOf("pan");
        Tools.WritePanningFrames(pan, "chelsea.png", 128, 80, 10, 1);
        var panAlone = Tools.MotionCompensatedDifference(await Dream(pan, "pan-alone", "--blend", "0"), 1);
        var panInPlace = Tools.MotionCompensatedDifference(await Dream(pan, "pan-in-place", "--blend", "0.5", "--flow", "none"), 1);
        var panFlow = Tools.MotionCompensatedDifference(await Dream(pan, "pan-flow", "--blend", "0.5", "--flow", "farneback"), 1);
        output.WriteLine($"pan 1 px/frame, flicker (motion-compensated difference): flow+blend {panFlow:0.00}, blend in place {panInPlace:0.00}, no blend {panAlone:0.00}");
        Assert.True(blended < alone, $"flow+blend {blended:0.00} vs no blend {alone:0.00}");
        Assert.True(blended - source < 0.85 * (alone - source), $"added flicker: flow+blend {blended - source:0.00} vs no blend {alone - source:0.00}");
        // Measured (2 octaves × 5 steps): added flicker 0.96 vs 1.30 on the still shot; 2.80 vs 3.36 and 4.18 on the pan.
        Assert.True(panFlow < 0.9 * panAlone, $"flow+blend {panFlow:0.00} vs no blend {panAlone:0.00}");
        Assert.True(panFlow < 0.8 * panInPlace, $"flow+blend {panFlow:0.00} vs blend in place {panInPlace:0.00}");
    }
}

/// <summary>Resume after SIGKILL: the real executable is killed mid-sequence and rerun.</summary>
public sealed class SequenceResumeProcessTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Sigkill_MidSequence_Rerun_HasEveryFrame_AndEarlierFramesUntouched()
    {
        var input = _cli.WriteSample("chelsea.png", 64, "in.png");
        var folder = _cli.PathOf("frames");
        // Enough frames that the kill always lands mid-sequence: on a quiet machine 8 tiny frames could all finish between
        // seeing frame 3 and the kill, and on a heavily loaded one (load 7–9) all of 40 did while the test thread waited for
        // a core. The rerun asks for one frame more than were made, which is enough to show it continues.
        const int Frames = 400;
        string[] Args(int frames) =>
            ["zoom", input, "-o", folder, "--frames", $"{frames}", "--octaves", "1", "--steps", "2", "--seed", "4", "--layer", "layer2", "-q"];
        var args = Args(Frames);
        using (var first = CliProcess.Start(args))
        {
            _ = first.StandardOutput.ReadToEndAsync();
            _ = first.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (!File.Exists(Path.Combine(folder, FrameFolder.FrameName(2))) && !first.HasExited && DateTime.UtcNow < deadline) await Task.Delay(20);
            first.Kill(); // SIGKILL
            await first.WaitForExitAsync();
        }
        var done = Enumerable.Range(0, Frames).TakeWhile(k => File.Exists(Path.Combine(folder, FrameFolder.FrameName(k)))).ToList();
        Assert.InRange(done.Count, 3, Frames - 1); // killed mid-sequence
        var before = done.Select(k => new FileInfo(Path.Combine(folder, FrameFolder.FrameName(k))))
            .Select(f => (f.Name, f.LastWriteTimeUtc, Inode: Inode(f.FullName), Bytes: File.ReadAllBytes(f.FullName))).ToList();

        using var second = CliProcess.Start(Args(done.Count + 1));
        var stderr = second.StandardError.ReadToEndAsync();
        await second.WaitForExitAsync();
        Assert.True(second.ExitCode == 0, await stderr);
        Assert.All(Enumerable.Range(0, done.Count + 1), k => Assert.True(File.Exists(Path.Combine(folder, FrameFolder.FrameName(k)))));
        foreach (var (name, time, inode, bytes) in before)
        {
            var path = Path.Combine(folder, name);
            Assert.Equal(time, File.GetLastWriteTimeUtc(path));
            Assert.Equal(inode, Inode(path));
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task Signal_MidSequence_KeepsTheFinishedFrames_SaysSo_AndTheRerunContinues(string signal, int expected)
    {
        if (OperatingSystem.IsWindows()) return; // Signals cannot be sent to another console process on Windows.
        var input = _cli.WriteSample("chelsea.png", 64, "in.png");
        var gif = _cli.PathOf("zoom.gif");
        var frames = gif + ".frames";
        // Many frames, so that the signal lands mid-sequence even on a loaded machine (see above); the rerun makes one more.
        string[] args = ["zoom", input, "-o", gif, "--frames", "400", "--octaves", "1", "--steps", "2", "--seed", "4", "--layer", "layer2", "-q"];
        using (var first = CliProcess.Start(args))
        {
            var stdout = first.StandardOutput.ReadToEndAsync();
            var stderr = first.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (!File.Exists(Path.Combine(frames, FrameFolder.FrameName(1))) && !first.HasExited) await Task.Delay(20, timeout.Token);
            Assert.False(first.HasExited, "the run ended before it was stopped");
            await CliProcess.Signal(first, signal, timeout.Token);
            await first.WaitForExitAsync(timeout.Token);
            var kept = Directory.GetFiles(frames, "frame-*.png").Length;
            Assert.InRange(kept, 2, 399);
            Assert.True(first.ExitCode == expected, $"exit {first.ExitCode}: {await stderr}");
            Assert.Equal($"Stopped; {kept} finished frames kept in {frames}{Path.DirectorySeparatorChar} — run the same command again to continue.", (await stderr).TrimEnd());
            Assert.Equal("", await stdout);
        }
        Assert.True(File.Exists(Path.Combine(frames, DeepDream.Sequences.Jobs.SequenceJob.ManifestName)));
        Assert.False(File.Exists(gif));
        Assert.Empty(Directory.GetFiles(_cli.Folder, "*.tmp"));
        Assert.Empty(Directory.GetFiles(frames, "*.tmp"));

        var done = Directory.GetFiles(frames, "frame-*.png").Length;
        using var second = CliProcess.Start([.. args[..4], "--frames", (done + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), .. args[6..^1]]);
        var again = second.StandardError.ReadToEndAsync();
        await second.WaitForExitAsync();
        Assert.True(second.ExitCode == 0, await again);
        Assert.Contains($"resuming: {done} frame(s) already in {frames}, continuing with their seed 4", await again);
        using var image = SixLabors.ImageSharp.Image.Load<Rgb24>(gif);
        Assert.Equal(done + 1, image.Frames.Count);
    }

    /// <summary>The file's inode (Unix), to show a file was not replaced; elsewhere its creation time.</summary>
    private static string Inode(string path)
    {
        if (OperatingSystem.IsWindows()) return File.GetCreationTimeUtc(path).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (code, stdout, _) = DeepDream.Sequences.Media.Ffmpeg.Run("stat", ["-c", "%i", path], CancellationToken.None);
        Assert.Equal(0, code);
        return stdout.Trim();
    }
}
