using System.Diagnostics;

namespace DeepDream.Tests.Cli;

/// <summary>The real executable as a child process: exit codes, the file on disk, Ctrl-C (SIGINT).</summary>
public sealed class CliProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static async Task<(int Code, string Stdout, string Stderr)> RunToEnd(params string[] args)
    {
        using var process = CliProcess.Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task UnknownExtension_Exits2_WithOneLineOnStderr()
    {
        var input = _cli.WriteNoise("in.png");
        var (code, stdout, stderr) = await RunToEnd("dream", input, "-o", _cli.PathOf("out.txt"));
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: Cannot tell the output format of '{_cli.PathOf("out.txt")}' from its extension '.txt'; use one of .png, .jpg, .jpeg, .bmp, .webp, .tif, .tiff, .gif.",
            stderr.TrimEnd());
    }

    [Fact]
    public async Task Dream_DefaultModel_Exits0_AndWritesTheFile()
    {
        var input = _cli.WriteSample("coffee.png", 64, "coffee.png");
        var output = _cli.PathOf("coffee-dream.jpg");
        var (code, stdout, stderr) = await RunToEnd("dream", input, "-o", output, "--octaves", "2", "--steps", "2", "--seed", "3");
        Assert.True(code == 0, $"exit {code}: {stderr}");
        Assert.Equal("", stdout);
        Assert.True(new FileInfo(output).Length > 0);
        Assert.Contains("wrote ", stderr);
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task Signal_StopsTheRun_ExitsWithItsCode_AndWritesNothing(string signal, int expected)
    {
        if (OperatingSystem.IsWindows()) return; // Signals cannot be sent to another console process on Windows.
        var input = _cli.WriteSample("chelsea.png", 160, "cat.png");
        var output = _cli.PathOf("cat-dream.png");
        using var process = CliProcess.Start("dream", input, "-o", output, "--octaves", "1", "--steps", "100000", "--seed", "1");
        var stdout = process.StandardOutput.ReadToEndAsync();
        // Wait for the first progress line: the model is loaded and the dream loop is running.
        var seen = new System.Text.StringBuilder();
        using var timeout = new CancellationTokenSource(Patience);
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.AppendLine(line);
            if (line.Contains("step 1/100000", StringComparison.Ordinal)) break;
        }
        Assert.False(process.HasExited, seen.ToString());
        await CliProcess.Signal(process, signal, timeout.Token);
        var rest = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == expected, $"exit {process.ExitCode}: {seen}{rest}");
        Assert.Contains("Cancelled; no output was written.", rest);
        Assert.Equal("", await stdout);
        Assert.False(File.Exists(output));
        // No temporary file either (hidden .NAME.<hex>.tmp files included).
        Assert.Equal(["cat.png"], Directory.GetFiles(_cli.Folder).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("-")]
    [InlineData("/dev/stdin")]
    public async Task ImageFromAPipe_ToStandardOutput_IsAPng(string input)
    {
        if (OperatingSystem.IsWindows() && input != "-") return;
        var png = File.ReadAllBytes(_cli.WriteSample("coffee.png", 48, "coffee.png"));
        using var process = CliProcess.Start(redirectInput: true, "dream", input, "-o", "-", "--octaves", "1", "--steps", "1", "--seed", "2", "-q");
        var stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        await process.StandardInput.BaseStream.WriteAsync(png);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        await copy;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        var bytes = stdout.ToArray();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        using var image = SixLabors.ImageSharp.Image.Load(bytes);
        Assert.Equal((48, 32), (image.Width, image.Height));
    }
}
