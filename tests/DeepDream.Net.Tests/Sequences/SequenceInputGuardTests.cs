using System.Security.Cryptography;
using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// An output that is the input under another spelling (<c>./frames/</c>, <c>frames/.</c>, a symbolic link, the same
/// file) is refused before anything is written or deleted: the inputs keep their bytes.
/// </summary>
public sealed class SequenceInputGuardTests : IDisposable
{
    private static readonly string[] Fast = ["--octaves", "1", "--steps", "1", "--seed", "3", "--layer", "conv1"];
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private Task<CliResult> Tiny(params string[] args) => _cli.RunTiny([.. args, .. Fast]);

    private static Dictionary<string, string> Hashes(string folder) => Directory.GetFiles(folder)
        .ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(MD5.HashData(File.ReadAllBytes(f))));

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
        var before = Hashes(frames);
        foreach (var output in new[] { frames + "/", frames + "/.", _cli.PathOf("ffl"), _cli.PathOf("ffl") + "/" })
        {
            var result = await Tiny("video", frames, "-o", output, "--restart", "--flow", "none");
            Assert.True(result.ExitCode == 2, output + ": " + result);
            Assert.Contains("The output folder is the input folder", result.Stderr);
            Assert.Equal(before, Hashes(frames));
        }
        // The input named through the link, the output plainly: the same folder all the same.
        Assert.Equal(2, (await Tiny("video", _cli.PathOf("ffl") + "/", "-o", frames, "--restart", "--flow", "none")).ExitCode);
        Assert.Equal(before, Hashes(frames));
        Assert.Equal(0, _cli.ModelLoads);
    }

    [Fact]
    public async Task Video_OutputFileThatIsTheInputFile_IsRefused_AndTheInputKeepsItsBytes()
    {
        var gif = _cli.PathOf("same.gif");
        Tools.WriteNoiseGif(gif, 40, 32, 2);
        File.CreateSymbolicLink(_cli.PathOf("alias.gif"), gif);
        var before = Hashes(_cli.Folder);
        foreach (var output in new[] { gif, _cli.PathOf("alias.gif") })
        {
            var result = await Tiny("video", gif, "-o", output, "--flow", "none");
            Assert.True(result.ExitCode == 2, output + ": " + result);
            Assert.Contains("is the input itself", result.Stderr);
        }
        Assert.Equal(before, Hashes(_cli.Folder));
        Assert.False(Directory.Exists(gif + ".frames"));
    }

    [Fact]
    public async Task Batch_OutputFolderThatLinksToTheInputFolder_IsRefused_AndTheInputsKeepTheirBytes()
    {
        var folder = Directory.CreateDirectory(_cli.PathOf("b1")).FullName;
        _cli.WriteNoise("b1/a.png", 40, 32, seed: 1);
        _cli.WriteNoise("b1/b.png", 40, 32, seed: 2);
        Directory.CreateSymbolicLink(_cli.PathOf("b1l"), folder);
        var before = Hashes(folder);
        foreach (var output in new[] { _cli.PathOf("b1l"), folder + "/./" })
        {
            var result = await Tiny("dream", folder, "-o", output);
            Assert.True(result.ExitCode == 2, output + ": " + result);
            Assert.Contains("would replace its input", result.Stderr);
        }
        Assert.Equal(before, Hashes(folder));
    }
}
