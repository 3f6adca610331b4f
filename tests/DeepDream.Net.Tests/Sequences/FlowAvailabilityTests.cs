using DeepDream.Sequences;
using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Jobs;
using DeepDream.Sequences.Media;
using DeepDream.Tests.Cli;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Sequences;

/// <summary>
/// A flow whose native library does not load, as on a headless Linux machine without GTK 3: its check throws the
/// library's own error for the loader's real message (OpenCvSharpExtern found, libgtk-3.so.0 missing).
/// </summary>
internal sealed class MissingNativeFlow : IOpticalFlow
{
    public const string LoaderMessage =
        "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace. If you're using glibc, consider setting the LD_DEBUG environment variable: \n"
        + "/opt/tool/runtimes/linux-x64/native/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n"
        + "libgtk-3.so.0: cannot open shared object file: No such file or directory\n"
        + "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0/libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n";

    public int Checks { get; private set; }

    public string Name => "farneback";

    public void EnsureAvailable()
    {
        Checks++;
        throw FarnebackFlow.Missing(new TypeInitializationException("OpenCvSharp.Internal.NativeMethods", new DllNotFoundException(LoaderMessage)), linux: true);
    }

    public FlowField Estimate(Image<Rgb24> current, Image<Rgb24> previous) => throw new InvalidOperationException("The flow is not available.");
}

public sealed class FlowAvailabilityTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void Missing_NamesTheMissingDependency_AndTheFix_InOneLine()
    {
        var error = FarnebackFlow.Missing(new TypeInitializationException("OpenCvSharp.Internal.NativeMethods", new DllNotFoundException(MissingNativeFlow.LoaderMessage)), linux: true);
        Assert.Equal(
            "Optical flow needs OpenCV's native library, which cannot load because libgtk-3.so.0 is missing or unusable (cannot open shared object file: No such file or directory). It needs GTK 3: on Debian/Ubuntu install it with 'sudo apt-get install libgtk-3-0'.",
            error.Message);
        Assert.IsType<TypeInitializationException>(error.InnerException);
    }

    [Fact]
    public void Missing_WithoutTheLibraryItself_NamesTheRuntimePackage()
    {
        var notFound = new DllNotFoundException("Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies.\n/app/libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n");
        Assert.Contains("add the OpenCvSharp4.official.runtime.linux-x64 package", FarnebackFlow.Missing(notFound, linux: true).Message);
        var elsewhere = FarnebackFlow.Missing(notFound, linux: false).Message;
        Assert.Contains("add an OpenCvSharp4 runtime package for this platform", elsewhere);
        Assert.DoesNotContain('\n', elsewhere);
    }

    [Fact]
    public async Task VideoSequence_FlowThatCannotLoad_FailsBeforeAnyFrameIsDreamed()
    {
        var folder = _cli.PathOf("clip");
        Tools.WritePanningFrames(folder, "coffee.png", 32, 24, 3, 1);
        using var source = FrameFolder.Open(folder, new FrameRate(10));
        var dreamer = new IdentityDreamer();
        var flow = new MissingNativeFlow();
        var error = await Assert.ThrowsAsync<DependencyMissingException>(async () =>
        {
            await foreach (var _ in VideoSequence.RunAsync(dreamer, source, new VideoOptions(1) { Flow = flow })) { }
        });
        Assert.Contains("libgtk-3.so.0", error.Message);
        Assert.Empty(dreamer.Seeds);
        Assert.Equal(1, flow.Checks);
    }

    [Fact]
    public async Task Cli_ExplicitFarneback_WhenItCannotLoad_Exits3_WithOneLine_BeforeLoadingTheModel()
    {
        var clip = _cli.PathOf("clip");
        Tools.WritePanningFrames(clip, "coffee.png", 32, 24, 3, 1);
        _cli.FlowFactory = () => new MissingNativeFlow();
        var output = _cli.PathOf("out.gif");
        var result = await _cli.RunTiny(["video", clip, "-o", output, "--flow", "farneback", .. FastDream.Args]);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(
            "error: Optical flow needs OpenCV's native library, which cannot load because libgtk-3.so.0 is missing or unusable (cannot open shared object file: No such file or directory). It needs GTK 3: on Debian/Ubuntu install it with 'sudo apt-get install libgtk-3-0'. Or run without optical flow: --flow none.",
            result.Stderr.Trim());
        Assert.Equal(0, _cli.ModelLoads);
        Assert.False(File.Exists(output));
        Assert.False(Directory.Exists(output + ".frames"));
    }

    [Fact]
    public async Task Cli_AutoFlow_WhenFarnebackCannotLoad_WarnsOnce_AndDreamsWithoutFlow()
    {
        var clip = _cli.PathOf("clip");
        Tools.WritePanningFrames(clip, "coffee.png", 32, 24, 3, 1);
        _cli.FlowFactory = () => new MissingNativeFlow();
        var output = _cli.PathOf("out");
        var result = await _cli.RunTiny(["video", clip, "-o", output, "--json", .. FastDream.Args]); // --flow auto is the default
        Assert.True(result.ExitCode == 0, result.ToString());
        var warnings = result.Stderr.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains("libgtk-3.so.0", warning);
        Assert.Contains("apt-get install libgtk-3-0", warning);
        Assert.Contains("Going on without optical flow", warning);
        Assert.Equal(3, Directory.GetFiles(output, "frame-*.png").Length);
        Assert.Equal("none", SequenceJob.ReadDescription(output)?.Settings["flow"]);
        Assert.Equal("none", ReadFlowSetting(result.Stdout));

        var none = await _cli.RunTiny(["video", clip, "-o", _cli.PathOf("none"), "--flow", "none", .. FastDream.Args]);
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.DoesNotContain("warning:", none.Stderr);
    }

    private static string ReadFlowSetting(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty("settings").GetProperty("flow").GetString()!;
    }
}
