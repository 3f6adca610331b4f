using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using DeepDream.Features;
using DeepDream.Models.TorchVision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DeepDream.Benchmarks.Comparison;

/// <summary>
/// The DeepDream.Net side of the comparison: the library defaults (plus a seed and the precision) on the embedded
/// ResNet18, or on the same weights as a TorchVision <c>resnet18</c> with the embedded model's input convention.
/// One model per source and precision (a precision converts its model in place), each loaded once.
/// </summary>
internal sealed class OursSide(ComparisonSetup setup) : IDisposable
{
    private readonly Dictionary<(string Source, Precision Precision), IFeatureExtractor> _models = [];

    /// <summary>Loads a model: <c>embedded</c> or <c>torchvision</c>.</summary>
    public static IFeatureExtractor LoadModel(ComparisonSetup setup, string source, Precision precision) => (source switch
    {
        "embedded" => DreamModels.ResNet18(),
        "torchvision" => DreamModels.FromTorchVision("resnet18", setup.OnHost(ComparisonSetup.WeightsFile),
            new TorchVisionOptions { Preprocessing = DreamModels.ResNet18Preprocessing }),
        _ => throw new ArgumentException($"unknown model source '{source}'", nameof(source)),
    }).To(precision);

    /// <summary>One dream of <paramref name="picture"/> with the library defaults; returns the wall and CPU seconds it took.</summary>
    public (double Seconds, double CpuSeconds) Dream(string source, Precision precision, Image<Rgb24> picture, int seed, int steps)
    {
        if (!_models.TryGetValue((source, precision), out var model)) _models[(source, precision)] = model = LoadModel(setup, source, precision);
        return Dream(model, precision, picture, seed, steps);
    }

    private static (double Seconds, double CpuSeconds) Dream(IFeatureExtractor model, Precision precision, Image<Rgb24> picture, int seed, int steps)
    {
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer(Workload.Layer).Seed(seed).Steps(steps).Precision(precision).Build();
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var output = dreamer.Run(picture);
        var seconds = clock.Elapsed.TotalSeconds;
        self.Refresh();
        return (seconds, (self.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>
    /// <c>compare-once SOURCE fp32|bf16 IMAGE [THREADS]</c>: one dream in this fresh process (no warm-up), printed as one JSON line
    /// with the seconds and the peak resident memory (VmHWM), like <c>dream.py once</c>.
    /// </summary>
    public static int RunOnce(string[] args)
    {
        var source = args[0];
        if (args.Length > 3) TorchSharp.torch.set_num_threads(int.Parse(args[3], CultureInfo.InvariantCulture));
        var precision = args[1] == "bf16" ? Precision.BFloat16 : Precision.Float32;
        using var model = source == "embedded"
            ? DreamModels.ResNet18().To(precision)
            : throw new ArgumentException("compare-once runs the embedded model only", nameof(args));
        using var picture = Image.Load<Rgb24>(args[2]);
        var (seconds, cpu) = Dream(model, precision, picture, Workload.Seed, DreamSettings.DefaultStepsPerOctave);
        var reply = new JsonObject
        {
            ["seconds"] = seconds,
            ["cpu_seconds"] = cpu,
            ["peak_rss_mib"] = PeakMemory.Status("VmHWM") / 1024.0,
            ["threads"] = TorchSharp.torch.get_num_threads(),
        };
        Console.WriteLine(reply.ToJsonString());
        return 0;
    }

    /// <summary>The roofline: best GFLOP/s of one 3×3 convolution forward + input gradient, channels-last, in TorchSharp.</summary>
    public static (double Fp32, double Bf16) Roofline(long[] shape, int reps)
    {
        double Best(ScalarType type)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(1234);
            var channels = shape[1];
            var x = empty_strided(shape, Performance.ComputeFormat.ChannelsLastStrides(shape), type).copy_(randn(shape, generator: generator)).requires_grad_(true);
            long[] wShape = [channels, channels, 3, 3];
            var w = empty_strided(wShape, Performance.ComputeFormat.ChannelsLastStrides(wShape), type).copy_(randn(wShape, generator: generator).mul_(0.05));
            var gy = empty_strided(shape, Performance.ComputeFormat.ChannelsLastStrides(shape), type).copy_(randn(shape, generator: generator));
            var flops = 4.0 * shape[0] * channels * shape[2] * shape[3] * channels * 9;
            var best = double.MaxValue;
            for (var i = 0; i < reps + 2; i++)
            {
                using var inner = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                var y = nn.functional.conv2d(x, w, padding: [1, 1]);
                _ = autograd.grad([y], [x], [gy]);
                if (i >= 2) best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            return flops / best / 1e9;
        }
        return (Best(ScalarType.Float32), Best(ScalarType.BFloat16));
    }

    public void Dispose()
    {
        foreach (var model in _models.Values) model.Dispose();
        _models.Clear();
    }

    /// <summary>Formats a number with the invariant culture.</summary>
    public static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
