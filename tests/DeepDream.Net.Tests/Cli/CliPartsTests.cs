using DeepDream.Cli;
using DeepDream.Diagnostics;

namespace DeepDream.Tests.Cli;

/// <summary>The CLI's value parsers, progress formatting and error mapping.</summary>
public sealed class CliPartsTests
{
    [Theory]
    [InlineData("0-3,7", new[] { 0, 1, 2, 3, 7 })]
    [InlineData(" 5 , 2-2 ,9", new[] { 5, 2, 9 })]
    [InlineData("255", new[] { 255 })]
    public void ParseChannels_ExpandsRangesInOrder(string text, int[] expected) =>
        Assert.Equal(expected, ValueParsers.ParseChannels(text));

    [Theory]
    [InlineData("")]
    [InlineData("1,,2")]
    [InlineData("-1")]
    [InlineData("3-1")]
    [InlineData("0-2,1")]
    public void ParseChannels_RejectsBadLists(string text) =>
        Assert.Throws<UsageException>(() => ValueParsers.ParseChannels(text));

    [Fact]
    public void ParseLayers_ReadsWeights()
    {
        var terms = ValueParsers.ParseLayers(["layer2=0.25", "layer3", "inception4c=-1e-1"]);
        Assert.Equal([new LayerTerm("layer2", 0.25), new LayerTerm("layer3", 1.0), new LayerTerm("inception4c", -0.1)], terms);
        Assert.Throws<UsageException>(() => ValueParsers.ParseLayers(["=2"]));
        Assert.Throws<UsageException>(() => ValueParsers.ParseLayers(["a=NaN"]));
    }

    [Fact]
    public void ParseSize_AndTriple()
    {
        Assert.Equal((320, 200), ValueParsers.ParseSize("320X200", "--size"));
        Assert.Throws<UsageException>(() => ValueParsers.ParseSize("0x10", "--size"));
        Assert.Equal([104f, 117f, 123f], ValueParsers.ParseTriple("104, 117,123", "--mean"));
        Assert.Throws<UsageException>(() => ValueParsers.ParseTriple("1,2", "--mean"));
    }

    [Fact]
    public void Progress_EtaFollowsTheReportedFraction()
    {
        // A quarter of the work done in 2 s leaves 6 s; 62.5 % in 5 s leaves 3 s.
        var endOfFirst = new DreamProgress(1, 2, 10, 10, 10, 10, 1.0, TimeSpan.FromSeconds(2), 0.25);
        Assert.Equal(6.0, endOfFirst.Remaining!.Value.TotalSeconds, 9);
        var later = new DreamProgress(2, 2, 5, 10, 20, 15, 1.0, TimeSpan.FromSeconds(5), 0.625);
        Assert.Equal(3.0, later.Remaining!.Value.TotalSeconds, 9);
        Assert.Null((later with { Fraction = 0 }).Remaining);
        using var writer = new StringWriter();
        new ProgressReporter(writer, ProgressMode.Lines).Report(later);
        Assert.StartsWith(" 63%  octave 2/2 (20x15)  step 5/10", writer.ToString());
        Assert.Contains("ETA 0:03", writer.ToString());
    }

    [Fact]
    public void Progress_Lines_OnePerOctaveAndAtMostEveryTwoSeconds()
    {
        using var writer = new StringWriter();
        var reporter = new ProgressReporter(writer, ProgressMode.Lines);
        double[] seconds = [0.5, 1.0, 1.5, 3.0, 3.5, 4.0];
        for (var i = 0; i < 6; i++)
        {
            var octave = i / 3 + 1;
            reporter.Report(new DreamProgress(octave, 2, i % 3 + 1, 3, 10, 10, 1.0, TimeSpan.FromSeconds(seconds[i]), (i + 1) / 6.0));
        }
        reporter.Finish();
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // 0.5 s: first report; 1.0 s: skipped; 1.5 s: end of octave 1; 3.0 s: only 1.5 s after the last line, skipped;
        // 3.5 s: 2 s after it; 4.0 s: end of octave 2.
        Assert.Equal(["step 1/3", "step 3/3", "step 2/3", "step 3/3"], lines.Select(l => l[l.IndexOf("step", StringComparison.Ordinal)..][..8]));
        Assert.Equal(" 17%  octave 1/2 (10x10)  step 1/3  2.0 steps/s  elapsed 0:00  ETA 0:02", lines[0]);
        Assert.Equal("100%  octave 2/2 (10x10)  step 3/3  1.2 steps/s  elapsed 0:04  ETA 0:00", lines[3]);
    }

    [Fact]
    public void Progress_Bar_RedrawsOneLineAndEndsIt()
    {
        using var writer = new StringWriter();
        var reporter = new ProgressReporter(writer, ProgressMode.Bar);
        reporter.Report(new DreamProgress(1, 1, 1, 2, 10, 10, 1.0, TimeSpan.FromSeconds(1), 0.5));
        reporter.Report(new DreamProgress(1, 1, 2, 2, 10, 10, 1.0, TimeSpan.FromSeconds(2), 1.0));
        reporter.Finish();
        var text = writer.ToString();
        Assert.StartsWith("\r[############------------]  50%  octave 1/1", text);
        Assert.Contains("\r[########################] 100%  octave 1/1", text);
        Assert.EndsWith(Environment.NewLine, text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ErrorMapping_OneCodePerKind()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Equal(2, ErrorReporter.Classify(new UsageException("u"), default).ExitCode);
        Assert.Equal(3, ErrorReporter.Classify(new ImageLoadException("i"), default).ExitCode);
        Assert.Equal(3, ErrorReporter.Classify(new ImageTooSmallException("s"), default).ExitCode);
        Assert.Equal(3, ErrorReporter.Classify(new FileAccessException("f"), default).ExitCode);
        Assert.Equal(4, ErrorReporter.Classify(new ModelLoadException("m"), default).ExitCode);
        Assert.Equal(4, ErrorReporter.Classify(new DeepDreamException("forward pass failed"), default).ExitCode);
        Assert.Equal(130, ErrorReporter.Classify(new OperationCanceledException(), cancelled.Token).ExitCode);
        Assert.Equal(1, ErrorReporter.Classify(new OperationCanceledException(), default).ExitCode);
        Assert.Equal(1, ErrorReporter.Classify(new InvalidOperationException("bug"), default).ExitCode);
    }

    [Fact]
    public void Verbose_ErrorsCarryTheStackTrace_OtherwiseOneLine()
    {
        Exception error;
        try
        {
            throw new ModelLoadException("The model file 'x.onnx' is truncated.");
        }
        catch (ModelLoadException e)
        {
            error = e;
        }
        using var plain = new StringWriter();
        Assert.Equal(4, ErrorReporter.Report(error, plain, verbose: false, default));
        Assert.Equal("error: The model file 'x.onnx' is truncated." + Environment.NewLine, plain.ToString());
        using var verbose = new StringWriter();
        ErrorReporter.Report(error, verbose, verbose: true, default);
        Assert.Contains("   at DeepDream.Tests.Cli.CliPartsTests", verbose.ToString());
    }

    [Fact]
    public void NativeFailures_FromAModelLoad_OrUnexpected_AreOneLineWithoutTheCppTrace()
    {
        const string native = "unexpected EOF in zip archive Exception raised from readRecord at caffe2/serialize.cpp:312\n" +
            "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x8d (0x7f in libc10.so)";
        var request = new ModelRequest(ModelSource.Embedded, null, null, null, TorchSharp.torch.CPU);
        var load = Assert.Throws<ModelLoadException>(() => ModelResolver.Load(request, _ => throw new System.Runtime.InteropServices.ExternalException(native)));
        Assert.Equal("Could not load the model resnet18 (embedded): unexpected EOF in zip archive", load.Message);

        using var stderr = new StringWriter();
        Assert.Equal(ExitCodes.InternalError, ErrorReporter.Report(new System.Runtime.InteropServices.ExternalException(native), stderr, verbose: false, default));
        Assert.Equal("error: Unexpected error (ExternalException): unexpected EOF in zip archive Run again with --verbose for details, " +
            "and please report it if it persists." + Environment.NewLine, stderr.ToString());
    }
}
