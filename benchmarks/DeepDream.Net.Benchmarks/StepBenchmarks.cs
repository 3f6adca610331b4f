using BenchmarkDotNet.Attributes;
using DeepDream.Imaging;
using DeepDream.Models.Onnx;
using static TorchSharp.torch;

namespace DeepDream.Benchmarks;

/// <summary>
/// Steps of a one-octave dream on a square image (jitter, gradient, normalised update, clamp), reported per step.
/// Derived classes choose the side and the tile size.
/// </summary>
public abstract class SquareStepBenchmarkBase
{
    internal const int Steps = 4;

    private OnnxFeatureExtractor _model = null!;
    private Dreamer _dreamer = null!;
    private Tensor _input = null!;

    /// <summary>The image side in pixels.</summary>
    protected abstract int Side { get; }

    /// <summary>The tile size, or null for the default.</summary>
    protected virtual int? Tile => null;

    [GlobalSetup]
    public void Setup()
    {
        _model = DreamModels.ResNet18();
        _dreamer = Workload.CreateDreamer(_model, steps: Steps, octaves: 1, tileSize: Tile);
        using var image = Workload.SquareImage(Side);
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
}

/// <summary>(2) One dream step at 224², 512² and 1024².</summary>
[MemoryDiagnoser]
public class StepBenchmarks : SquareStepBenchmarkBase
{
    [Params(224, 512, 1024)]
    public int Size { get; set; }

    protected override int Side => Size;

    public static double? WorkFlops(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var size = (int)parameters[nameof(Size)];
        return ConvShapes.StepFlops(size, size);
    }
}
