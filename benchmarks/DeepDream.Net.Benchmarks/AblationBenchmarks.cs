using BenchmarkDotNet.Attributes;
using DeepDream.Imaging;
using DeepDream.Models.Onnx;
using DeepDream.Objectives;
using DeepDream.Tiling;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Benchmarks;

/// <summary>
/// (4a) The reference workload end to end with one lever changed at a time: BatchNorm folding off, channels-last memory
/// order off (NCHW), one intra-op thread instead of two.
/// </summary>
[MemoryDiagnoser]
public class LeverBenchmarks
{
    private OnnxFeatureExtractor _model = null!;
    private Dreamer _dreamer = null!;
    private Image<Rgb24> _image = null!;
    private int _threadsBefore;

    [Params("default", "bn-fold-off", "channels-first", "threads-1")]
    public string Variant { get; set; } = "default";

    [GlobalSetup]
    public void Setup()
    {
        _threadsBefore = torch.get_num_threads();
        _model = DreamModels.CreateResNet18(foldBatchNorm: Variant != "bn-fold-off", channelsLast: Variant != "channels-first");
        if (Variant == "threads-1") torch.set_num_threads(1);
        _dreamer = Workload.CreateDreamer(_model);
        _image = Workload.LoadImage();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        torch.set_num_threads(_threadsBefore);
        _image.Dispose();
        _dreamer.Dispose();
        _model.Dispose();
    }

    [Benchmark]
    public void Dream()
    {
        using var output = _dreamer.Run(_image);
    }

    public static double? WorkFlops(string method, IReadOnlyDictionary<string, object> parameters) =>
        ReferenceWorkloadBenchmarks.WorkFlops(nameof(ReferenceWorkloadBenchmarks.Dream), parameters);
}

/// <summary>(4b) Tiling: one step at 1024² untiled (the default tile size, 1024, covers it) against 512- and 256-pixel tiles.</summary>
[MemoryDiagnoser]
public class TilingBenchmarks : SquareStepBenchmarkBase
{
    private const int Side1024 = 1024;

    [Params(1024, 512, 256)]
    public int TileSize { get; set; }

    protected override int Side => Side1024;

    protected override int? Tile => TileSize;

    /// <summary>Useful work only (the untiled step's); overlapping tile context is overhead.</summary>
    public static double? WorkFlops(string method, IReadOnlyDictionary<string, object> parameters) => ConvShapes.StepFlops(Side1024, Side1024);
}

/// <summary>
/// (4c) How the image gradient is taken, at the reference workload's full-size octave (451×300, no jitter): the library's
/// layer gradient + <c>autograd.grad</c>, the same through <c>Tensor.backward</c> into <c>.grad</c>, the naive scalar
/// loss <c>0.5·Σa²</c> + <c>backward()</c>, the forward alone without autograd, and the raw convolutions of that size.
/// </summary>
[MemoryDiagnoser]
public class GradientPathBenchmarks
{
    private OnnxFeatureExtractor _model = null!;
    private IObjectiveEvaluator _evaluator = null!;
    private GradientComputer _gradients = null!;
    private Tensor _image = null!;
    private ConvBaseline _raw = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = DreamModels.ResNet18();
        _evaluator = Objective.L2(Workload.Layer).Bind(_model);
        _gradients = new GradientComputer(_model, _evaluator, [Workload.Layer], tileSize: 4096);
        using var image = Workload.LoadImage();
        _image = ImageTensor.ToTensor(image);
        _raw = new ConvBaseline(ConvShapes.Of(_model, image.Height, image.Width));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _image.Dispose();
        _evaluator.Dispose();
        _model.Dispose();
    }

    [Benchmark]
    public void AutogradGrad()
    {
        using var scope = NewDisposeScope();
        _ = _gradients.Compute(_image, wantValue: false);
    }

    [Benchmark]
    public void TensorBackward()
    {
        using var scope = NewDisposeScope();
        var leaf = _image.detach().requires_grad_(true);
        var a = _model.Extract(leaf, [Workload.Layer])[Workload.Layer];
        a.backward([a.detach()]);
        _ = leaf.grad;
    }

    [Benchmark]
    public void ScalarLossBackward()
    {
        using var scope = NewDisposeScope();
        var leaf = _image.detach().requires_grad_(true);
        var a = _model.Extract(leaf, [Workload.Layer])[Workload.Layer];
        a.square().sum().mul(0.5).backward();
        _ = leaf.grad;
    }

    [Benchmark]
    public void ForwardOnlyNoGrad()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _ = _model.Extract(_image, [Workload.Layer]);
    }

    [Benchmark]
    public void RawConvolutions() => _raw.Run();

    public static double? WorkFlops(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var full = ReferenceWorkloadBenchmarks.ReferenceSizes.Value.Full;
        var flops = ConvShapes.StepFlops(full.Height, full.Width);
        return method == nameof(ForwardOnlyNoGrad) ? flops / 2 : flops;
    }
}
