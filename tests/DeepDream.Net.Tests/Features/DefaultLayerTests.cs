using DeepDream.Features;
using DeepDream.Models.TorchVision;
using DeepDream.Tests.Models.Onnx;
using DeepDream.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Features;

public sealed class DefaultLayerTests(SharedResNet18 shared) : IClassFixture<SharedResNet18>
{
    private static LayerInfo L(string name, params long[] shape) => new(name, shape);

    [Fact]
    public void Rule_PicksTheLastLayerAtOneSixteenthResolution()
    {
        LayerInfo[] layers =
        [
            L("input3ch", 1, 3, 224, 224), L("a", 1, 16, 56, 56), L("b", 1, 32, 14, 14), L("c", 1, 32, 14, 14),
            L("d", 1, 64, 7, 7), L("flat", 1, 3136), L("empty"),
        ];
        Assert.Equal("c", DefaultLayerRule.Pick(layers, preferBlocks: false));
        Assert.Equal("a", DefaultLayerRule.Pick([L("a", 1, 16, 56, 56), L("b", 1, 32, 13, 13)], preferBlocks: false));
        Assert.Null(DefaultLayerRule.Pick([L("rgb", 1, 3, 224, 224), L("tiny", 1, 64, 7, 7), L("v", 1, 1000)], preferBlocks: false));
    }

    [Fact]
    public void Rule_WithModulePaths_PrefersWholeBlocks()
    {
        LayerInfo[] layers =
        [
            L("layer2", 1, 128, 28, 28), L("layer2.1.conv2", 1, 128, 28, 28), L("layer3", 1, 256, 14, 14),
            L("layer3.1.conv2", 1, 256, 14, 14), L("layer4", 1, 512, 7, 7),
        ];
        Assert.Equal("layer3", DefaultLayerRule.Pick(layers, preferBlocks: true));
        Assert.Equal("layer3.1.conv2", DefaultLayerRule.Pick(layers, preferBlocks: false));
        // No top-level candidate (a VGG's whole "features" is 7×7): one level down.
        Assert.Equal("features.29", DefaultLayerRule.Pick(
            [L("features", 1, 512, 7, 7), L("features.28", 1, 512, 14, 14), L("features.29", 1, 512, 14, 14), L("features.30", 1, 512, 7, 7)],
            preferBlocks: true));
    }

    [Fact]
    public void EmbeddedResNet18_DefaultsToLayer3()
    {
        Assert.Equal("layer3", shared.Model.DefaultLayer);
    }

    [Fact]
    public void Onnx_WithoutAliases_UsesTheRule()
    {
        using var model = DreamModels.FromOnnx(StrideLadderOnnx.Save(), Preprocessing.Raw);
        Assert.Empty(model.Aliases);
        Assert.Equal("r4", model.DefaultLayer);
        Assert.Equal("r4", ((IFeatureExtractor)model).DefaultLayer);
    }

    [Fact]
    public void Onnx_PrefersTheLastValueEveryPathGoesThrough_OverOneInsideTheNextBlock()
    {
        using var model = DreamModels.FromOnnx(StrideLadderOnnx.CreateWithBottleneck().Save(), Preprocessing.Raw);
        var shapes = model.ListLayers(224, 224).ToDictionary(l => l.Name, l => l.Shape);
        Assert.Equal([1L, 8, 14, 14], shapes["rp"]); // the last 1/16 value, but inside the block
        Assert.Equal("r4", model.DefaultLayer);
    }

    [Fact]
    public void StageBoundaries_ExcludeValuesInsideAResidualBlock()
    {
        // x → c1 → r1 → c2 → r2 → Add(r1, r2): while the block runs, r1 waits for the Add.
        var path = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("sum")
            .Init("w1", [.. Enumerable.Range(0, 8 * 3).Select(i => 0.1f * (i % 5 - 2))], 8, 3, 1, 1)
            .Init("w2", [.. Enumerable.Range(0, 8 * 8).Select(i => 0.1f * (i % 7 - 3))], 8, 8, 1, 1)
            .Node("Conv", ["x", "w1"], ["c1"], name: "conv1").Node("Relu", ["c1"], ["r1"], name: "relu1")
            .Node("Conv", ["r1", "w2"], ["c2"], name: "conv2").Node("Relu", ["c2"], ["r2"], name: "relu2")
            .Node("Add", ["r1", "r2"], ["sum"], name: "add").Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw, new DeepDream.Models.Onnx.OnnxImportOptions { FoldBatchNorm = false });
        var graph = model.Graph;
        string[] values = ["c1", "r1", "c2", "r2", "sum"];
        var boundaries = DeepDream.Models.Onnx.OnnxStageBoundaries.Find(graph, values.Select(graph.RuntimeId));
        Assert.Equal(["c1", "r1", "sum"], boundaries.Select(id => graph.ValueNames[id]).Order());
    }

    [Fact]
    public void Onnx_WithALayer3Alias_UsesIt()
    {
        var path = StrideLadderOnnx.Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw,
            new DeepDream.Models.Onnx.OnnxImportOptions { LayerAliases = new Dictionary<string, string> { ["layer3"] = "r2" } });
        Assert.Equal("layer3", model.DefaultLayer);
    }

    [Fact]
    public void Build_WithoutObjective_DreamsOnTheModelsDefaultLayer()
    {
        using var model = DreamModels.FromOnnx(StrideLadderOnnx.Save(), Preprocessing.Raw);
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Octaves(1).Steps(1).Seed(1).Build();
        Assert.Equal("L2(r4)", dreamer.Objective.ToString());
        using var image = TestImages.Noise(48, 40);
        using var output = dreamer.Run(image);
        Assert.Equal((48, 40), (output.Width, output.Height));
    }

    [Fact]
    public void Build_WithoutObjective_ModelWithoutDefault_SaysSoAndListsLayers()
    {
        var path = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y").Node("Relu", ["x"], ["y"], name: "relu").Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
        Assert.Null(model.DefaultLayer); // 3 channels only: nothing to dream on by default
        var e = Assert.Throws<ArgumentException>(() => new DreamBuilder().UseModel(model, ownsModel: false).Build());
        Assert.StartsWith("Model 'model' has no default dream layer, so the objective must name one (Layer or UseObjective); its layers: y.", e.Message);
        Assert.DoesNotContain("deepdream", e.Message);
    }

    [Fact]
    public void GuideWithoutLayer_UsesTheDefaultLayer_AndCopiesTheGuide()
    {
        using var model = new TinyWithDefault();
        var guide = TestImages.Noise(16, 16);
        var builder = new DreamBuilder().UseModel(model, ownsModel: false).Guide(guide);
        guide.Dispose(); // the builder keeps its own copy
        using var dreamer = builder.Build();
        Assert.Equal("Guided(conv2, 16×16)", dreamer.Objective.ToString());
    }

    [Fact]
    public void CustomExtractor_HasNoDefaultUnlessItSaysSo()
    {
        using var model = new TinyExtractor();
        Assert.Null(((IFeatureExtractor)model).DefaultLayer);
    }

    [Fact]
    public void FromModule_ResNet18Module_DefaultsToLayer3()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = DreamModels.FromModule(torchvision.models.resnet18(), Preprocessing.ImageNet, "my-resnet");
        Assert.Equal("layer3", model.DefaultLayer);
    }

    [Fact]
    public void FromModule_Sequential_PicksTheLastBlockAtOneSixteenth()
    {
        using var scope = NewDisposeScope();
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        var inChannels = 3;
        for (var i = 0; i < 5; i++)
        {
            layers.Add(($"down{i}", nn.Conv2d(inChannels, 8, 3, stride: 2, padding: 1)));
            layers.Add(($"act{i}", nn.ReLU()));
            inChannels = 8;
        }
        using var model = DreamModels.FromModule(nn.Sequential(layers), Preprocessing.Raw);
        Assert.Equal("act3", model.DefaultLayer); // 224 → 112, 56, 28, 14 (down3/act3), 7
    }

    [Theory]
    [InlineData("resnet18", "layer3", 14)]
    [InlineData("googlenet", "inception4c", 14)]
    [InlineData("mobilenet_v2", "features.13", 14)]
    [InlineData("mobilenet_v3_small", "features.8", 14)]
    [InlineData("mobilenet_v3_large", "features.12", 14)]
    [InlineData("alexnet", "features.9", 13)]
    [InlineData("inception_v3", "Mixed_6b", 12)]
    [InlineData("vgg11", "features.14", 28)]
    public void TorchVision_EachArchitecture_HasItsClassicLayer(string architecture, string expected, long side)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var model = DreamModels.CreateTorchVision(DreamModels.ResolveArchitecture(architecture), new TorchVisionOptions(), load: null);
        Assert.Equal(expected, model.DefaultLayer);
        var info = model.ListLayers(224, 224).Single(l => l.Name == expected);
        Assert.Equal(side, info.Shape[2]);
        if (architecture.StartsWith("vgg", StringComparison.Ordinal))
        {
            // The last ReLU of block 4: the next layer is block 4's max-pool, at half the size.
            var names = model.LayerNames.ToList();
            var next = model.ListLayers(224, 224).Single(l => l.Name == names[names.IndexOf(expected) + 1]);
            Assert.Equal(side / 2, next.Shape[2]);
        }
    }

    /// <summary>The tiny two-layer network with a default layer.</summary>
    private sealed class TinyWithDefault : IFeatureExtractor
    {
        private readonly TinyExtractor _inner = new();
        public string Name => _inner.Name;
        public IReadOnlyList<string> LayerNames => _inner.LayerNames;
        public string? DefaultLayer => "conv2";
        public Preprocessing Preprocessing => _inner.Preprocessing;
        public Device Device => _inner.Device;
        public int GetMinimumInputSize(IReadOnlyCollection<string> layers) => _inner.GetMinimumInputSize(layers);
        public IFeatureExtractor To(Device device) => this;
        public IReadOnlyDictionary<string, Tensor> Extract(Tensor image, IReadOnlyCollection<string> layers) => _inner.Extract(image, layers);
        public IReadOnlyList<LayerInfo> ListLayers(int width, int height) => _inner.ListLayers(width, height);
        public void Dispose() => _inner.Dispose();
    }
}
