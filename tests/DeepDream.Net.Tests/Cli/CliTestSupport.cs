using System.Diagnostics;
using DeepDream.Cli;
using DeepDream.Features;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DeepDream.Tests.Cli;

/// <summary>The outcome of one in-process <c>deepdream</c> run.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the tool in-process and owns a temporary folder that is deleted afterwards.</summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        Folder = Path.Combine(Path.GetTempPath(), "deepdream-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>Replaces the optical flow of <c>video</c> (null: Farnebäck).</summary>
    public Func<DeepDream.Sequences.Flow.IOpticalFlow>? FlowFactory { get; set; }

    /// <summary>How many models the tool asked the factory for.</summary>
    public int ModelLoads { get; private set; }

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>Runs with the real model factories (embedded ResNet18, ONNX, TorchVision).</summary>
    public Task<CliResult> RunReal(params string[] args) => Run(args, factory: null, CancellationToken.None);

    /// <summary>Runs with every model replaced by the two-layer <see cref="TinyExtractor"/> (layers conv1, conv2).</summary>
    public Task<CliResult> RunTiny(params string[] args) => Run(args, _ => new TinyExtractor(seed: 3), CancellationToken.None);

    public async Task<CliResult> Run(string[] args, Func<ModelRequest, IFeatureExtractor>? factory, CancellationToken cancellationToken, bool terminal = false)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Func<ModelRequest, IFeatureExtractor>? counting = factory is null ? null : request =>
        {
            ModelLoads++;
            return factory(request);
        };
        var context = new CliContext(stdout, stderr, terminal, counting, FlowFactory);
        var code = await Program.RunAsync(args, context, cancellationToken);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes a deterministic noise image of the given size and returns its path.</summary>
    public string WriteNoise(string name, int width = 48, int height = 40, int seed = 7)
    {
        using var image = TestImages.Noise(width, height, seed);
        var path = PathOf(name);
        image.SaveAsPng(path);
        return path;
    }

    /// <summary>Writes a sample photo shrunk to <paramref name="width"/> pixels wide and returns its path.</summary>
    public string WriteSample(string sample, int width, string name)
    {
        using var image = TestImages.LoadSmall(sample, width);
        var path = PathOf(name);
        image.SaveAsPng(path);
        return path;
    }

    public static byte[] Pixels(string path)
    {
        using var image = Image.Load<Rgba32>(path);
        var bytes = new byte[image.Width * image.Height * 4];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The real executable (deepdream.dll under the test host's dotnet) as a child process.</summary>
internal static class CliProcess
{
    /// <summary>Starts <c>deepdream ARGS</c> with stdout and stderr redirected (the caller reads them).</summary>
    public static Process Start(params string[] args) => Start(redirectInput: false, args);

    /// <summary>Sends <paramref name="signal"/> (<c>INT</c>, <c>TERM</c>) to <paramref name="process"/> with <c>kill</c> (Unix only).</summary>
    public static async Task Signal(Process process, string signal, CancellationToken cancellationToken)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Starts <c>deepdream ARGS</c> with stdout, stderr and optionally stdin redirected.</summary>
    public static Process Start(bool redirectInput, params string[] args) => Start(redirectInput, new Dictionary<string, string?>(), args);

    /// <summary>Starts <c>deepdream ARGS</c> with these environment variables changed (null: removed).</summary>
    public static Process Start(bool redirectInput, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Start(redirectInput, environment, runtimeConfig: null, args);

    /// <summary>
    /// Starts <c>deepdream ARGS</c> with these environment variables changed and, when <paramref name="runtimeConfig"/>
    /// is given, that runtimeconfig.json instead of the tool's own (<c>dotnet exec --runtimeconfig</c>): AppContext switches.
    /// </summary>
    public static Process Start(bool redirectInput, IReadOnlyDictionary<string, string?> environment, string? runtimeConfig, string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        if (runtimeConfig is not null)
        {
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add("--runtimeconfig");
            info.ArgumentList.Add(runtimeConfig);
        }
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "deepdream.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment)
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        return Process.Start(info)!;
    }
}

/// <summary>
/// A <see cref="TinyExtractor"/> that runs <paramref name="beforePass"/> before each forward pass, given the pass's number
/// (from 1): a Ctrl-C in the middle of a run, a pass that never ends by itself.
/// </summary>
internal class InterceptingExtractor(Action<int> beforePass) : IFeatureExtractor
{
    private readonly TinyExtractor _inner = new(seed: 3);
    private int _calls;

    /// <summary>How many forward passes ran (or started).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public string Name => _inner.Name;

    public IReadOnlyList<string> LayerNames => _inner.LayerNames;

    public Preprocessing Preprocessing => _inner.Preprocessing;

    public Device Device => _inner.Device;

    public int GetMinimumInputSize(IReadOnlyCollection<string> layers) => _inner.GetMinimumInputSize(layers);

    public IFeatureExtractor To(Device device) => this;

    public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers)
    {
        beforePass(Interlocked.Increment(ref _calls));
        return _inner.Extract(image, layers);
    }

    public IReadOnlyList<LayerInfo> ListLayers(int width, int height) => _inner.ListLayers(width, height);

    public void Dispose() => _inner.Dispose();
}

/// <summary>A <see cref="TinyExtractor"/> that cancels a token after a number of forward passes (Ctrl-C in the middle of a run).</summary>
internal sealed class CancellingExtractor(CancellationTokenSource source, int cancelAfterCalls)
    : InterceptingExtractor(call =>
    {
        if (call == cancelAfterCalls) source.Cancel();
    });
