using DeepDream.Cli;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// An output that is the input under another spelling (<c>./frames/</c>, <c>frames/.</c>, a symbolic link, the same
/// file) is refused before anything is written or deleted: the inputs keep their bytes.
/// </summary>
public sealed class SequenceInputGuardTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void SameLocation_SeesThroughSpellingsAndLinks_OfTheEntryAndItsParents()
    {
        var frames = Directory.CreateDirectory(_cli.PathOf("frames")).FullName;
        Directory.CreateSymbolicLink(_cli.PathOf("link"), frames);
        Directory.CreateSymbolicLink(_cli.PathOf("top"), _cli.Folder);
        Directory.CreateSymbolicLink(_cli.PathOf("relative"), "frames");
        Assert.True(SourceFiles.SameLocation(frames, frames + "/"));
        Assert.True(SourceFiles.SameLocation(frames, frames + "/./"));
        Assert.True(SourceFiles.SameLocation(frames, _cli.PathOf("link") + "/"));
        Assert.True(SourceFiles.SameLocation(frames, _cli.PathOf("relative")));
        Assert.True(SourceFiles.SameLocation(Path.Combine(frames, "new.png"), _cli.PathOf("top/link/new.png"))); // missing tail, linked parents
        Assert.False(SourceFiles.SameLocation(frames, _cli.PathOf("frames2")));
        Assert.False(SourceFiles.SameLocation(frames, _cli.Folder));
    }

    [Fact]
    public async Task Video_OutputFolderThatIsTheInputFolder_SpelledAnyWay_IsRefused_AndRestartDeletesNothing()
    {
        var frames = _cli.PathOf("ff");
        Tools.WritePanningFrames(frames, "coffee.png", 40, 32, 2, 3);
        Directory.CreateSymbolicLink(_cli.PathOf("ffl"), frames);
        var before = Tools.Hashes(frames);
        foreach (var output in new[] { frames + "/", frames + "/.", _cli.PathOf("ffl"), _cli.PathOf("ffl") + "/" })
        {
            var result = await _cli.RunFast("video", frames, "-o", output, "--restart", "--flow", "none");
            Assert.True(result.ExitCode == 2, output + ": " + result);
            Assert.Contains("The output folder is the input folder", result.Stderr);
            Assert.Equal(before, Tools.Hashes(frames));
        }
        // The input named through the link, the output plainly: the same folder all the same.
        Assert.Equal(2, (await _cli.RunFast("video", _cli.PathOf("ffl") + "/", "-o", frames, "--restart", "--flow", "none")).ExitCode);
        Assert.Equal(before, Tools.Hashes(frames));
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task Video_OutputFileThatIsTheInputFile_IsRefused_AndTheInputKeepsItsBytes()
    {
        var gif = _cli.PathOf("same.gif");
        Tools.WriteNoiseGif(gif, 40, 32, 2);
        File.CreateSymbolicLink(_cli.PathOf("alias.gif"), gif);
        var before = Tools.Hashes(_cli.Folder);
        foreach (var output in new[] { gif, _cli.PathOf("alias.gif") })
        {
            var result = await _cli.RunFast("video", gif, "-o", output, "--flow", "none");
            Assert.True(result.ExitCode == 2, output + ": " + result);
            Assert.Contains("is the input itself", result.Stderr);
        }
        Assert.Equal(before, Tools.Hashes(_cli.Folder));
        Assert.False(Directory.Exists(gif + ".frames"));
    }

    [Fact]
    public async Task Batch_OutputFolderThatLinksToTheInputFolder_IsRefused_AndTheInputsKeepTheirBytes()
    {
        var folder = Directory.CreateDirectory(_cli.PathOf("b1")).FullName;
        _cli.WriteNoise("b1/a.png", 40, 32, seed: 1);
        _cli.WriteNoise("b1/b.png", 40, 32, seed: 2);
        Directory.CreateSymbolicLink(_cli.PathOf("b1l"), folder);
        var before = Tools.Hashes(folder);
        foreach (var output in new[] { _cli.PathOf("b1l"), folder + "/./" })
        {
            var result = await _cli.RunFast("dream", folder, "-o", output);
            Assert.True(result.ExitCode == 2, output + ": " + result);
            Assert.Contains("would replace its input", result.Stderr);
        }
        Assert.Equal(before, Tools.Hashes(folder));
    }

    [Fact]
    public async Task Zoom_InputThatIsAFrameOfItsOwnFrameFolder_SpelledAnyWayOrLinked_IsRefused_WithAndWithoutRestart()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var frames = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", frames, "--frames", "2")).ExitCode);
        var gif = _cli.PathOf("z.gif");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", gif, "--frames", "2", "--keep-frames")).ExitCode);
        Directory.CreateSymbolicLink(_cli.PathOf("outl"), frames);
        File.CreateSymbolicLink(_cli.PathOf("second.png"), Path.Combine(frames, FrameFolder.FrameName(1)));
        var before = Tools.Hashes(frames);
        var beforeGif = Tools.Hashes(gif + ".frames");
        var loads = _cli.ModelLoads;
        (string Input, string Output)[] cases =
        [
            (Path.Combine(frames, "frame-000001.png"), frames),
            ("./" + Path.GetRelativePath(Environment.CurrentDirectory, frames) + "/../out/frame-000001.png", frames + "/"),
            (_cli.PathOf("outl/frame-000002.png"), frames),
            (Path.Combine(frames, "frame-000001.png"), _cli.PathOf("outl")),
            (_cli.PathOf("second.png"), frames), // a link to a frame: the frame would be replaced under it
            (Path.Combine(gif + ".frames", "frame-000001.png"), gif),
        ];
        foreach (var (from, to) in cases)
        {
            foreach (var restart in new[] { false, true })
            {
                string[] args = restart ? ["zoom", from, "-o", to, "--restart"] : ["zoom", from, "-o", to];
                var result = await _cli.RunFast(args);
                var what = $"{from} -> {to} restart={restart}: {result}";
                Assert.True(result.ExitCode == 2, what);
                Assert.Single(result.Stderr.Trim().Split('\n'));
                Assert.Matches(@"^error: The input '.+' is frame-00000[12]\.png in the frame folder '.+', which this run replaces or deletes; copy it out of that folder first", result.Stderr);
                Assert.Equal(before, Tools.Hashes(frames));
                Assert.Equal(beforeGif, Tools.Hashes(gif + ".frames"));
            }
        }
        Assert.Equal(loads, _cli.ModelLoads); // refused before the model
    }

    [Fact]
    public async Task Zoom_InputNamedLikeAFrame_InAFolderWithoutAJob_IsRefused_AndKeepsItsBytes()
    {
        Directory.CreateDirectory(_cli.PathOf("mine"));
        var input = _cli.WriteNoise("mine/frame-000001.png", 40, 32);
        var before = File.ReadAllBytes(input);
        foreach (var restart in new[] { false, true })
        {
            var result = await _cli.RunFast(restart ? ["zoom", input, "-o", _cli.PathOf("mine"), "--restart"] : ["zoom", input, "-o", _cli.PathOf("mine")]);
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("is frame-000001.png in the frame folder", result.Stderr);
        }
        Assert.Equal(before, File.ReadAllBytes(input));
        Assert.Equal(["frame-000001.png"], Directory.GetFileSystemEntries(_cli.PathOf("mine")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Zoom_GuideThatIsAFrameOfTheJob_AndVideo_FrameLinkedIntoTheJobFolder_AreRefused_AndKeepTheirBytes()
    {
        var input = _cli.WriteNoise("in.png", 40, 32);
        var frames = _cli.PathOf("out");
        Assert.Equal(0, (await _cli.RunFast("zoom", input, "-o", frames, "--frames", "2")).ExitCode);
        var before = Tools.Hashes(frames);
        var guided = await _cli.RunFast("zoom", input, "-o", frames, "--frames", "2", "--guide", Path.Combine(frames, "frame-000002.png"), "--restart");
        Assert.True(guided.ExitCode == 2, guided.ToString());
        Assert.Contains("error: The --guide image '" + Path.Combine(frames, "frame-000002.png") + "' is frame-000002.png in the frame folder", guided.Stderr);
        var folder = Directory.CreateDirectory(_cli.PathOf("clip")).FullName;
        File.CreateSymbolicLink(Path.Combine(folder, "0001.png"), Path.Combine(frames, "frame-000001.png"));
        File.CreateSymbolicLink(Path.Combine(folder, "0002.png"), Path.Combine(frames, "frame-000002.png"));
        var video = await _cli.RunFast("video", folder, "-o", frames, "--flow", "none", "--restart");
        Assert.True(video.ExitCode == 2, video.ToString());
        Assert.Contains($"error: The input '{Path.Combine(folder, "0001.png")}' is frame-000001.png in the frame folder", video.Stderr);
        Assert.Equal(before, Tools.Hashes(frames));
    }

    [Fact]
    public async Task Batch_OutputThatWouldReplaceTheGuideImage_IsRefused_AndTheGuideKeepsItsBytes()
    {
        Directory.CreateDirectory(_cli.PathOf("out"));
        var a = _cli.WriteNoise("a.png", 40, 32, seed: 1);
        var b = _cli.WriteNoise("b.png", 40, 32, seed: 2);
        var guide = _cli.WriteNoise("out/b.png", 40, 32, seed: 3);
        var before = File.ReadAllBytes(guide);
        var result = await _cli.RunFast("dream", a, b, "-o", _cli.PathOf("out"), "--guide", guide);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"Writing '{guide}' would replace the --guide image '{guide}'", result.Stderr);
        Assert.Equal(before, File.ReadAllBytes(guide));
        Assert.Equal(["b.png"], Directory.GetFileSystemEntries(_cli.PathOf("out")).Select(Path.GetFileName));
    }

    [Fact]
    public void OwnedEntry_NamesTheJobsOwnFiles_OnlyInItsFolder()
    {
        var folder = Directory.CreateDirectory(_cli.PathOf("job")).FullName;
        Assert.Equal("frame-000007.png", SequenceJob.OwnedEntry(folder, Path.Combine(folder, "frame-000007.png")));
        Assert.Equal(SequenceJob.ManifestName, SequenceJob.OwnedEntry(folder + "/", _cli.PathOf("job/./" + SequenceJob.ManifestName)));
        Assert.Equal(".deepdream-job.lock", SequenceJob.OwnedEntry(folder, Path.Combine(folder, ".deepdream-job.lock")));
        Assert.Equal(".frame-000001.png.0123456789ab.tmp", SequenceJob.OwnedEntry(folder, Path.Combine(folder, ".frame-000001.png.0123456789ab.tmp")));
        Assert.Null(SequenceJob.OwnedEntry(folder, Path.Combine(folder, ".x.png.0a1b.tmp"))); // not a name the job writes: never deleted
        Assert.Null(SequenceJob.OwnedEntry(folder, Path.Combine(folder, "photo.png")));
        Assert.Null(SequenceJob.OwnedEntry(folder, Path.Combine(folder, "frame-0001.png"))); // not a name a job writes
        Assert.Null(SequenceJob.OwnedEntry(folder, Path.Combine(folder, "frame-000000.png")));
        Assert.Null(SequenceJob.OwnedEntry(folder, _cli.PathOf("frame-000001.png"))); // beside the folder, not in it
        Assert.Null(SequenceJob.OwnedEntry(folder, Path.Combine(folder, "sub", "frame-000001.png")));
    }

    [Fact]
    public async Task Batch_ImageThatWouldReplaceAnotherInputReachedThroughALink_IsRefused_AndTheInputKeepsItsBytes()
    {
        Directory.CreateDirectory(_cli.PathOf("src"));
        Directory.CreateDirectory(_cli.PathOf("out"));
        var a = _cli.WriteNoise("src/a.png", 40, 32, seed: 1);
        var kept = _cli.WriteNoise("out/a.png", 40, 32, seed: 2); // a picture of the user's that happens to be in the output folder
        var link = _cli.PathOf("src/b.png");
        File.CreateSymbolicLink(link, kept); // the second input: writing out/a.png for the first would change it
        var before = File.ReadAllBytes(kept);
        var result = await _cli.RunFast("dream", a, link, "-o", _cli.PathOf("out"));
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"Writing '{kept}' would replace the input '{link}'", result.Stderr);
        Assert.Equal(before, File.ReadAllBytes(kept));
        Assert.Equal(["a.png"], Directory.GetFileSystemEntries(_cli.PathOf("out")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Batch_InputThatIsTheBatchManifest_IsRefused_AndKeepsItsBytes()
    {
        Directory.CreateDirectory(_cli.PathOf("out"));
        var a = _cli.WriteNoise("a.png", 40, 32, seed: 1);
        var manifest = _cli.PathOf("out/" + BatchDream.ManifestName);
        File.WriteAllText(manifest, "not the batch's");
        var result = await _cli.RunFast("dream", a, manifest, "-o", _cli.PathOf("out"), "--restart");
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"is the batch's {BatchDream.ManifestName}", result.Stderr);
        Assert.Equal("not the batch's", File.ReadAllText(manifest));
        Assert.Equal([BatchDream.ManifestName], Directory.GetFileSystemEntries(_cli.PathOf("out")).Select(Path.GetFileName));
    }
}
