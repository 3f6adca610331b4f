using System.Text.Json;
using DeepDream.Cli;
using DeepDream.Sequences.Jobs;
using DeepDream.Tests.Cli;

using static DeepDream.Tests.Sequences.TestJobs;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// A batch as a hostile tester runs it: into a folder holding files it did not make or a zoom's frames, beside a zoom in
/// the same folder, a --restart stopped half-way, an input replaced between runs, a stop after some images, a kill's
/// temporary files.
/// </summary>
public sealed class BatchSafetyTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Photos(int count)
    {
        var folder = Directory.CreateDirectory(_cli.PathOf("photos")).FullName;
        for (var i = 0; i < count; i++) _cli.WriteNoise($"photos/p{i}.png", 40, 32, seed: i + 1);
        return folder;
    }

    private static int Written(CliResult result)
    {
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.GetProperty("written").GetInt32();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Batch_IntoAFolderHoldingAFileItDidNotMake_Exits3_AndWritesNothing(bool restart)
    {
        var photos = Photos(2);
        var output = Directory.CreateDirectory(_cli.PathOf("out")).FullName;
        var mine = _cli.WriteNoise("out/p1.png", 40, 32, seed: 99);
        var bytes = File.ReadAllBytes(mine);
        var result = await _cli.RunFast(["dream", photos, "-o", output, .. restart ? new[] { "--restart" } : []]);
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: The folder '{output}' already holds 'p1.png', which this batch did not make and would write over; move those files away or choose another -o folder.",
            result.Stderr.Trim());
        Assert.Equal(bytes, File.ReadAllBytes(mine));
        Assert.Equal(["p1.png"], Directory.GetFiles(output).Select(Path.GetFileName).Where(n => !n!.StartsWith('.'))); // no p0.png, no manifest
        // Moved away, the batch goes ahead; and its own images it may write again.
        File.Move(mine, _cli.PathOf("mine.png"));
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output, "--restart")).ExitCode);
    }

    [Fact]
    public async Task Batch_IntoAZoomsFrameFolder_Exits3_AndTheZoomsFramesKeepTheirBytes()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var gif = _cli.PathOf("x1.gif");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", gif, "--keep-frames", "--frames", "3")).ExitCode);
        var frames = Directory.GetFiles(gif + ".frames").Order(StringComparer.Ordinal).ToDictionary(f => f, File.ReadAllBytes);
        Directory.CreateDirectory(_cli.PathOf("fr2"));
        _cli.WriteNoise("fr2/frame-000002.png", 40, 32, seed: 5);
        var result = await _cli.RunFast("dream", _cli.PathOf("fr2"), "-o", gif + ".frames");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"holds the frames of a zoom or video job ({SequenceJob.ManifestName}); choose another -o folder.", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
        Assert.Equal(frames.Keys, Directory.GetFiles(gif + ".frames").Order(StringComparer.Ordinal));
        foreach (var (path, before) in frames) Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task Batch_InAFolderAZoomHolds_IsInUse_AndAZoomInAFolderABatchHolds_IsInUse()
    {
        var photos = Photos(1);
        var folder = Directory.CreateDirectory(_cli.PathOf("shared")).FullName;
        using (SequenceJob.Open(folder, Describe())) // a zoom, still writing
        {
            var result = await _cli.RunFast("dream", photos, "-o", folder);
            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.Contains($"The folder '{folder}' is in use by another run", result.Stderr);
            Assert.False(File.Exists(Path.Combine(folder, "p0.png")));
        }
        var other = Directory.CreateDirectory(_cli.PathOf("other")).FullName;
        using (FolderLock.Take(other)) // a batch, still writing
        {
            var result = await _cli.RunFast("zoom", _cli.PathOf("photos/p0.png"), "-o", other, "--frames", "2");
            Assert.True(result.ExitCode == 3, result.ToString());
            Assert.Contains($"The folder '{other}' is in use by another run", result.Stderr);
            Assert.Empty(Directory.GetFiles(other, "frame-*.png"));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Zoom_IntoABatchsFolder_Exits3_AndTheBatchsImagesKeepTheirBytes(bool restart)
    {
        var photos = Photos(2);
        var output = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        var before = Directory.GetFiles(output).Order(StringComparer.Ordinal).Select(f => (f, File.ReadAllBytes(f))).ToList();
        string[] zoom = ["zoom", Path.Combine(photos, "p0.png"), "-o", output, "--frames", "2"];
        var result = await _cli.RunFast(restart ? [.. zoom, "--restart"] : zoom);
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"The folder '{output}' is the output of a batch of dreams ({BatchDream.ManifestName}); choose another output for the frames.", result.Stderr);
        Assert.Equal(before.Select(b => b.f), Directory.GetFiles(output).Order(StringComparer.Ordinal));
        Assert.All(before, b => Assert.Equal(b.Item2, File.ReadAllBytes(b.f)));
    }

    [Fact]
    public async Task Batch_RestartThatWouldRemoveItsGuide_OrAnInputReachedThroughALink_IsRefused_AndBothKeepTheirBytes()
    {
        var photos = Photos(2);
        var output = _cli.PathOf("og");
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        var guide = Path.Combine(output, "p0.png");
        var kept = File.ReadAllBytes(guide);
        var other = Directory.CreateDirectory(_cli.PathOf("other")).FullName;
        _cli.WriteNoise("other/q0.png", 40, 32, seed: 9);
        var result = await _cli.RunFast("dream", other, "-o", output, "--guide", guide, "--restart");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"The --guide image '{guide}' is the earlier image '{guide}', which --restart removes; copy it out of '{output}' first.", result.Stderr);
        Assert.Equal(kept, File.ReadAllBytes(guide));

        var linked = Directory.CreateDirectory(_cli.PathOf("linked")).FullName;
        File.CreateSymbolicLink(Path.Combine(linked, "fav.png"), Path.Combine(output, "p1.png"));
        var favourite = File.ReadAllBytes(Path.Combine(output, "p1.png"));
        result = await _cli.RunFast("dream", linked, "-o", output, "--restart");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("which --restart removes", result.Stderr);
        Assert.Equal(favourite, File.ReadAllBytes(Path.Combine(output, "p1.png")));
    }

    [Fact]
    public async Task Batch_ManifestRecordsNamingTheLock_AUserFile_OrAControlCharacter_AreIgnored_NeverDeleted()
    {
        var photos = Photos(1);
        var output = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        var manifest = Path.Combine(output, BatchDream.ManifestName);
        var notes = Path.Combine(output, "notes.txt");
        File.WriteAllText(notes, "mine");
        var text = File.ReadAllText(manifest).Replace("\"images\": {", "\"images\": { \".deepdream-job.lock\": { \"input\": null, \"done\": true }, \"notes.txt\": { \"input\": null, \"done\": true }, \"a\\u0000b.png\": { \"input\": null, \"done\": true },", StringComparison.Ordinal);
        Assert.Contains("notes.txt", text);
        File.WriteAllText(manifest, text);
        var result = await _cli.RunFast("dream", photos, "-o", output, "--restart");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("mine", File.ReadAllText(notes));
        Assert.True(File.Exists(Path.Combine(output, FolderLock.Name)));
    }

    [Fact]
    public async Task Batch_StoppedBeforeItsFirstImage_OnAMisspeltLayer_DoesNotBlockTheCorrectedRun()
    {
        var photos = Photos(1);
        var output = _cli.PathOf("out");
        var wrong = await _cli.RunTiny("dream", photos, "-o", output, "--octaves", "1", "--steps", "1", "--seed", "3", "--layer", "nope");
        Assert.True(wrong.ExitCode == 2, wrong.ToString());
        var fixedRun = await _cli.RunFast("dream", photos, "-o", output, "--json");
        Assert.True(fixedRun.ExitCode == 0, fixedRun.ToString());
        Assert.Equal(1, Written(fixedRun));
    }

    [Fact]
    public async Task Batch_RestartStoppedBeforeItsFirstImage_LeavesNoOldImageThatCountsAsDone()
    {
        var photos = Photos(3);
        var output = _cli.PathOf("rs");
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        using var source = new CancellationTokenSource();
        string[] newer = ["dream", photos, "-o", output, "--octaves", "1", "--steps", "2", "--seed", "3", "--layer", "conv1"];
        var stopped = await _cli.Run([.. newer, "--restart"], _ => new CancellingExtractor(source, 1), source.Token);
        Assert.True(stopped.ExitCode == 130, stopped.ToString());
        Assert.Empty(Directory.GetFiles(output, "p*.png")); // the old settings' images went before the new manifest was saved
        var rerun = await _cli.RunTiny([.. newer, "--json"]);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal(3, Written(rerun));
        Assert.DoesNotContain("resuming", rerun.Stderr);
    }

    [Fact]
    public async Task Batch_InputReplacedBetweenRuns_IsDreamedAgain_WithANote_AndTheOthersAreSkipped()
    {
        var photos = Photos(2);
        var output = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        var before = File.ReadAllBytes(Path.Combine(output, "p0.png"));
        var untouched = File.ReadAllBytes(Path.Combine(output, "p1.png"));
        _cli.WriteNoise("photos/p0.png", 40, 32, seed: 42);
        var result = await _cli.RunFast("dream", photos, "-o", output, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(1, Written(result));
        Assert.Contains($"note: '{Path.Combine(photos, "p0.png")}' changed since {Path.Combine(output, "p0.png")} was dreamed from it; dreaming it again", result.Stderr);
        Assert.NotEqual(before, File.ReadAllBytes(Path.Combine(output, "p0.png")));
        Assert.Equal(untouched, File.ReadAllBytes(Path.Combine(output, "p1.png")));
        Assert.Equal(0, Written(await _cli.RunFast("dream", photos, "-o", output, "--json"))); // now on record: skipped
    }

    [Fact]
    public async Task Batch_StoppedInItsSecondImage_SaysTwoWereWritten_AndTheRerunDreamsOnlyTheRest()
    {
        var photos = Photos(4);
        var output = _cli.PathOf("out");
        using var source = new CancellationTokenSource();
        // One forward pass per image (1 octave, 1 step): the stop comes in the 2nd image's pass, which still finishes.
        var result = await _cli.Run(["dream", photos, "-o", output, .. FastDream.Args], _ => new CancellingExtractor(source, 2), source.Token);
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal(["p0.png", "p1.png"], Directory.GetFiles(output, "p*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal($"Stopped; 2 images written into {output} — run the same command again to continue.", result.Stderr.Trim().Split('\n')[^1]);
        var rerun = await _cli.RunFast("dream", photos, "-o", output, "--json");
        Assert.Equal(2, Written(rerun));
        Assert.Contains("resuming: 2 of 4 image(s)", rerun.Stderr);
    }

    [Fact]
    public async Task Batch_FolderOfAnEarlierVersion_WithoutImageRecords_IsTakenAsItsOwn_AndDreamedAgain()
    {
        var photos = Photos(2);
        var output = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        var manifest = Path.Combine(output, BatchDream.ManifestName);
        using (var json = JsonDocument.Parse(File.ReadAllText(manifest)))
        {
            var settings = json.RootElement.GetProperty("settings").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            new JobDescription("batch", "", settings).Save(manifest); // the settings-only manifest of the first version
        }
        var result = await _cli.RunFast("dream", photos, "-o", output, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, Written(result)); // the inputs were not on record: made again, not refused
        Assert.Equal(0, Written(await _cli.RunFast("dream", photos, "-o", output, "--json")));
    }

    [Fact]
    public async Task Batch_RemovesItsOwnLeftoverTemporaryFiles_AndNoOthers()
    {
        var photos = Photos(1);
        var output = Directory.CreateDirectory(_cli.PathOf("out")).FullName;
        string[] leftovers = [".p0.png.0123456789ab.tmp", $".{BatchDream.ManifestName}.ba9876543210.tmp"];
        string[] others = [".p0.png.notahexvalue.tmp", ".holiday.png.0123456789ab.tmp", "p0.png.0123456789ab.tmp", ".notes.tmp"];
        foreach (var name in leftovers.Concat(others)) File.WriteAllText(Path.Combine(output, name), "x");
        Assert.Equal(0, (await _cli.RunFast("dream", photos, "-o", output)).ExitCode);
        foreach (var name in leftovers) Assert.False(File.Exists(Path.Combine(output, name)), name);
        foreach (var name in others) Assert.Equal("x", File.ReadAllText(Path.Combine(output, name)));
    }
}
