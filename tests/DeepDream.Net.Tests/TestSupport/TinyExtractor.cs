using DeepDream.Features;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.TestSupport;

/// <summary>
/// A two-layer convolutional network with seeded weights, small enough for finite differences:
/// conv1 = relu(conv3×3(3→4, pad 1)), conv2 = tanh(conv3×3(4→6, stride 2, pad 1)).
/// </summary>
internal sealed class TinyExtractor : IFeatureExtractor
{
    private readonly Tensor _w1, _b1, _w2, _b2;
    private int _extractCalls;

    public TinyExtractor(int seed = 1, ScalarType dtype = ScalarType.Float32)
    {
        var generator = new Generator((ulong)seed);
        _w1 = randn([4, 3, 3, 3], dtype: dtype, generator: generator).mul_(0.5).DetachFromDisposeScope();
        _b1 = randn([4], dtype: dtype, generator: generator).mul_(0.1).DetachFromDisposeScope();
        _w2 = randn([6, 4, 3, 3], dtype: dtype, generator: generator).mul_(0.5).DetachFromDisposeScope();
        _b2 = randn([6], dtype: dtype, generator: generator).mul_(0.1).DetachFromDisposeScope();
    }

    public string Name => "tiny";

    public IReadOnlyList<string> LayerNames { get; } = ["conv1", "conv2"];

    public Preprocessing Preprocessing => Preprocessing.Raw;

    public Device Device => CPU;

    public int ExtractCalls => Volatile.Read(ref _extractCalls);

    public int GetMinimumInputSize(IReadOnlyCollection<string> layers) => layers.Contains("conv2") ? 2 : 1;

    public IFeatureExtractor To(Device device) => this;

    public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers)
    {
        Interlocked.Increment(ref _extractCalls);
        if (image.dtype != _w1.dtype) image = image.to(_w1.dtype);
        foreach (var l in layers)
        {
            if (!LayerNames.Contains(l)) throw new ArgumentException($"Unknown layer '{l}'; valid layers: conv1, conv2.", nameof(layers));
        }
        var result = new Dictionary<string, Tensor>();
        var conv1 = nn.functional.relu(nn.functional.conv2d(image, _w1, _b1, padding: [1, 1]));
        result["conv1"] = conv1;
        if (layers.Contains("conv2"))
        {
            result["conv2"] = nn.functional.conv2d(conv1, _w2, _b2, strides: [2, 2], padding: [1, 1]).tanh();
        }
        return result;
    }

    public IReadOnlyList<LayerInfo> ListLayers(int width, int height) =>
    [
        new("conv1", [1, 4, height, width]),
        new("conv2", [1, 6, (height + 1) / 2, (width + 1) / 2]),
    ];

    public void Dispose()
    {
        _w1.Dispose();
        _b1.Dispose();
        _w2.Dispose();
        _b2.Dispose();
    }
}
