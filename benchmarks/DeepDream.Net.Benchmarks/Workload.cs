using DeepDream.Features;
using DeepDream.Models.Onnx;
using DeepDream.Models.Onnx.Operators;
using DeepDream.Schedules;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Benchmarks;

/// <summary>
/// The reference workload of the performance issue: samples/images/chelsea.png (451×300), the embedded ResNet18, L2 on
/// <c>layer3</c>, 6 octaves × 1.4, 20 steps per octave, jitter 32, a fixed seed — the library defaults plus a seed.
/// </summary>
internal static class Workload
{
    public const string Layer = "layer3";
    public const int Seed = 20240611;
    public const string ReferenceImage = "chelsea.png";

    /// <summary>Steps per octave of the end-to-end benchmarks: 20, lowered by <c>--smoke</c>.</summary>
    public static int StepsPerOctave { get; set; } = DreamSettings.DefaultStepsPerOctave;

    public static string ImagePath(string name) => Path.Combine(AppContext.BaseDirectory, "images", name);

    public static Image<Rgb24> LoadImage(string name = ReferenceImage) => Image.Load<Rgb24>(ImagePath(name));

    /// <summary>A square test image made by resizing a sample photo (astronaut.png) with a bicubic filter.</summary>
    public static Image<Rgb24> SquareImage(int side)
    {
        var image = LoadImage("astronaut.png");
        image.Mutate(c => c.Resize(side, side, KnownResamplers.Bicubic));
        return image;
    }

    /// <summary>The reference dreamer over <paramref name="model"/> (owned by the caller).</summary>
    public static Dreamer CreateDreamer(IFeatureExtractor model, int? steps = null, int? octaves = null, int? tileSize = null,
        Precision precision = Precision.Float32)
    {
        var builder = new DreamBuilder().UseModel(model, ownsModel: false).Layer(Layer).Seed(Seed)
            .Steps(steps ?? StepsPerOctave).Octaves(octaves ?? OctaveSchedule.DefaultCount).Precision(precision);
        if (tileSize is { } t) builder.TileSize(t);
        return builder.Build();
    }

    /// <summary>The octave sizes the reference workload visits for an image of the given size, smallest first (the full size last).</summary>
    public static IReadOnlyList<OctaveSize> OctaveSizes(IFeatureExtractor model, int width, int height, int octaves = OctaveSchedule.DefaultCount) =>
        new OctaveSchedule(octaves).Sizes(new OctaveSize(width, height), model.GetMinimumInputSize([Layer]));
}

/// <summary>One convolution of the imported graph at one input size, with its exact arguments.</summary>
internal sealed record ConvShape(string Node, long[] Input, long[] Weight, bool HasBias, long[] Strides, long[] Padding, long[] Dilations, long Groups, long[] Output)
{
    /// <summary>Multiply-adds of the forward pass.</summary>
    public double MultiplyAdds => (double)Output[0] * Output[1] * Output[2] * Output[3] * (Weight[1] * Weight[2] * Weight[3]);

    /// <summary>FLOPs of the forward pass (2 per multiply-add).</summary>
    public double ForwardFlops => 2 * MultiplyAdds;

    /// <summary>FLOPs of the forward pass plus the gradient with respect to the input (a transposed convolution with the same multiply-adds).</summary>
    public double ForwardAndInputGradientFlops => 4 * MultiplyAdds;

    public override string ToString() =>
        $"{Node}: [{string.Join('×', Input)}] * [{string.Join('×', Weight)}] s{Strides[0]} p{Padding[0]} -> [{string.Join('×', Output)}]";
}

/// <summary>Reads the convolution shapes out of the imported graph by running it once (no gradients) at a given size.</summary>
internal static class ConvShapes
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<(int, int), IReadOnlyList<ConvShape>> Cache = [];

    /// <summary>Every Conv up to <see cref="Workload.Layer"/> at one input size (cached; uses the default ResNet18).</summary>
    public static IReadOnlyList<ConvShape> At(int height, int width)
    {
        lock (Gate)
        {
            if (Cache.TryGetValue((height, width), out var list)) return list;
            using var model = DreamModels.ResNet18();
            list = Of(model, height, width);
            Cache[(height, width)] = list;
            return list;
        }
    }

    /// <summary>Every Conv of <paramref name="model"/> that the objective layer depends on, at one input size.</summary>
    public static IReadOnlyList<ConvShape> Of(OnnxFeatureExtractor model, int height, int width)
    {
        var graph = model.Graph;
        var target = graph.RuntimeId(model.Aliases[Workload.Layer]);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var values = graph.Run(graph.Format.Input(zeros(1, 3, height, width)), [target]);
        var shapes = new List<ConvShape>();
        foreach (var op in graph.Ops)
        {
            if (op is not ConvOp conv || values[op.Inputs[0]] is not { } x || values[op.Outputs[0]] is not { } y) continue;
            if (conv.NeedsExplicitPad) throw new NotSupportedException($"{op.NodeName} pads asymmetrically; the baseline expects symmetric pads.");
            var w = values[conv.WeightId]!;
            var (strides, padding, dilations, groups) = conv.Geometry;
            shapes.Add(new ConvShape(op.NodeName, x.shape, w.shape, conv.BiasId >= 0, strides, padding, dilations, groups, y.shape));
        }
        return shapes;
    }

    /// <summary>Forward + input-gradient FLOPs of one gradient step on an image of the given size.</summary>
    public static double StepFlops(int height, int width) => At(height, width).Sum(c => c.ForwardAndInputGradientFlops);

    /// <summary>Forward + input-gradient FLOPs of one step at every octave of the reference workload (one "pyramid step").</summary>
    public static double PyramidStepFlops(IReadOnlyList<OctaveSize> sizes) => sizes.Sum(s => StepFlops(s.Height, s.Width));
}
