using DeepDream.Features;
using DeepDream.Objectives;
using DeepDream.Tests.TestSupport;

namespace DeepDream.Tests.Engine;

public sealed class DreamBuilderTests
{
    [Theory]
    [InlineData("octaves")]
    [InlineData("scale")]
    [InlineData("steps")]
    [InlineData("stepSize")]
    [InlineData("jitter")]
    [InlineData("tile")]
    public void InvalidSetting_ThrowsAtOnce_NamingTheParameterAndRange(string setting)
    {
        var builder = new DreamBuilder();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => setting switch
        {
            "octaves" => builder.Octaves(0),
            "scale" => builder.OctaveScale(1.0),
            "steps" => builder.Steps(-3),
            "stepSize" => builder.StepSize(0),
            "jitter" => builder.Jitter(-1),
            "tile" => builder.TileSize(10),
            _ => throw new InvalidOperationException(),
        });
        var (parameter, text) = setting switch
        {
            "octaves" => ("count", "at least 1"),
            "scale" => ("scale", "greater than 1"),
            "steps" => ("steps", "at least 1"),
            "stepSize" => ("stepSize", "positive"),
            "jitter" => ("pixels", "0 or more"),
            _ => ("pixels", "The tile size must be between 64 and 8192 pixels."),
        };
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(text, error.Message);
    }

    [Fact]
    public void Build_UnknownLayer_ListsValidLayers()
    {
        using var model = new TinyExtractor();
        var builder = new DreamBuilder().UseModel(model, ownsModel: false).Layer("layer3");
        var error = Assert.Throws<UnknownLayerException>(() => builder.Build());
        Assert.Contains("Unknown layer 'layer3'", error.Message);
        Assert.Contains("valid layers: conv1, conv2", error.Message);
    }

    [Fact]
    public void Builder_IsSingleUse()
    {
        using var model = new TinyExtractor();
        var builder = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv1");
        using var dreamer = builder.Build();
        Assert.Throws<InvalidOperationException>(() => builder.Octaves(2));
        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Fact]
    public void Build_ResolvesSettingsWithDocumentedDefaults()
    {
        using var model = new TinyExtractor();
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Build();
        var s = dreamer.Settings;
        Assert.Equal((6, 1.4, 20, 0.0045, 32), (s.Octaves, s.OctaveScale, s.StepsPerOctave, s.StepSize, s.Jitter));
        Assert.Null(s.Seed);
        Assert.Null(s.TileSize);
        Assert.Null(s.TileMemoryBudget); // follows the machine's available memory
        Assert.Equal("L2(conv2)", dreamer.Objective.ToString());
    }

    [Fact]
    public void Dispose_ReleasesAnOwnedModel_OnlyWhenOwned()
    {
        var owned = new CountingExtractor();
        new DreamBuilder().UseModel(owned).Layer("conv1").Build().Dispose();
        Assert.True(owned.Disposed);

        var borrowed = new CountingExtractor();
        new DreamBuilder().UseModel(borrowed, ownsModel: false).Layer("conv1").Build().Dispose();
        Assert.False(borrowed.Disposed);
        borrowed.Dispose();
    }

    private sealed class CountingExtractor : IFeatureExtractor
    {
        private readonly TinyExtractor _inner = new();

        public bool Disposed { get; private set; }

        public string Name => _inner.Name;
        public IReadOnlyList<string> LayerNames => _inner.LayerNames;
        public Preprocessing Preprocessing => _inner.Preprocessing;
        public TorchSharp.torch.Device Device => _inner.Device;
        public int GetMinimumInputSize(IReadOnlyCollection<string> layers) => _inner.GetMinimumInputSize(layers);
        public IFeatureExtractor To(TorchSharp.torch.Device device) => this;
        public IReadOnlyDictionary<string, TorchSharp.torch.Tensor> Extract(TorchSharp.torch.Tensor image, IReadOnlyCollection<string> layers) => _inner.Extract(image, layers);
        public IReadOnlyList<LayerInfo> ListLayers(int width, int height) => _inner.ListLayers(width, height);

        public void Dispose()
        {
            Disposed = true;
            _inner.Dispose();
        }
    }
}
