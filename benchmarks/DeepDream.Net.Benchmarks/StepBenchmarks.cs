using BenchmarkDotNet.Attributes;
using DeepDream.Imaging;
using DeepDream.Models.Onnx;
using static TorchSharp.torch;

namespace DeepDream.Benchmarks;

/// <summary>(2) One dream step (jitter, gradient, normalised update, clamp) on a square image, through a one-octave dream.</summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    internal const int Steps = 4;

    private OnnxFeatureExtractor _model = null!;
    private Dreamer _dreamer = null!;
    private Tensor _input = null!;

    [Params(224, 512, 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = Models.Models.ResNet18();
        _dreamer = Workload.CreateDreamer(_model, steps: Steps, octaves: 1);
        using var image = Workload.SquareImage(Size);
        _input = ImageTensor.ToTensor(image);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _dreamer.Dispose();
        _model.Dispose();
    }

    /// <summary>Mean time of one step (the run does <see cref="Steps"/> steps of one octave).</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public void Step()
    {
        using var output = _dreamer.Run(_input);
    }

    public static double? WorkFlops(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var size = (int)parameters[nameof(Size)];
        return ConvShapes.StepFlops(size, size);
    }
}
