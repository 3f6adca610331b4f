using BenchmarkDotNet.Attributes;
using DeepDream.Models.Onnx;
using DeepDream.Schedules;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Benchmarks;

/// <summary>
/// (1) The reference workload end to end, and (3) the raw-convolution baseline for exactly the same convolution work, in
/// one class so that the efficiency column compares numbers from the same run.
/// </summary>
[MemoryDiagnoser]
public class ReferenceWorkloadBenchmarks
{
    private OnnxFeatureExtractor _model = null!;
    private Dreamer _dreamer = null!;
    private Image<Rgb24> _image = null!;
    private ConvBaseline _allOctaves = null!;
    private ConvBaseline _fullOctave = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = DreamModels.ResNet18();
        _dreamer = Workload.CreateDreamer(_model);
        _image = Workload.LoadImage();
        var sizes = Workload.OctaveSizes(_model, _image.Width, _image.Height);
        _allOctaves = new ConvBaseline(sizes.SelectMany(s => ConvShapes.Of(_model, s.Height, s.Width)));
        _fullOctave = new ConvBaseline(ConvShapes.Of(_model, _image.Height, _image.Width));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _allOctaves.Dispose();
        _fullOctave.Dispose();
        _image.Dispose();
        _dreamer.Dispose();
        _model.Dispose();
    }

    /// <summary>The whole dream through the public image API (model already loaded).</summary>
    [Benchmark]
    public void Dream()
    {
        using var output = _dreamer.Run(_image);
    }

    /// <summary>The whole dream including loading the embedded model (what a one-off <c>DreamBuilder.Run</c> costs).</summary>
    [Benchmark]
    public void DreamWithModelLoad()
    {
        using var model = DreamModels.ResNet18();
        using var dreamer = Workload.CreateDreamer(model);
        using var output = dreamer.Run(_image);
    }

    /// <summary>The baseline: every convolution up to layer3 at every octave size, forward + input gradient, as many times as the dream steps per octave.</summary>
    [Benchmark]
    public void RawConvolutions()
    {
        for (var i = 0; i < Workload.StepsPerOctave; i++) _allOctaves.Run();
    }

    /// <summary>Every convolution up to layer3 at the full-size octave only, forward + input gradient, once (the 46 ms figure).</summary>
    [Benchmark]
    public void RawConvolutionsFullOctave() => _fullOctave.Run();

    public static double? WorkFlops(string method, IReadOnlyDictionary<string, object> parameters)
    {
        var (sizes, full) = ReferenceSizes.Value;
        return method switch
        {
            nameof(Dream) or nameof(DreamWithModelLoad) or nameof(RawConvolutions) => Workload.StepsPerOctave * ConvShapes.PyramidStepFlops(sizes),
            nameof(RawConvolutionsFullOctave) => ConvShapes.StepFlops(full.Height, full.Width),
            _ => null,
        };
    }

    internal static readonly Lazy<(IReadOnlyList<OctaveSize> Sizes, OctaveSize Full)> ReferenceSizes = new(() =>
    {
        using var model = DreamModels.ResNet18();
        var info = Image.Identify(Workload.ImagePath(Workload.ReferenceImage));
        var sizes = Workload.OctaveSizes(model, info.Width, info.Height);
        return (sizes, sizes[^1]);
    });
}
