using DeepDream.Features;
using DeepDream.Models.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>Loads the embedded ResNet18 once for the ResNet18 tests.</summary>
public sealed class ResNet18Fixture : IDisposable
{
    public ResNet18Fixture() => Model = DreamModels.ResNet18();

    public OnnxFeatureExtractor Model { get; }

    public void Dispose() => Model.Dispose();
}

/// <summary>The embedded default model: loading, aliases, odd sizes, minimum size, gradients, thread safety.</summary>
public sealed class ResNet18Tests : IClassFixture<ResNet18Fixture>
{
    private static readonly string[] Aliases = ["stem", "layer1", "layer2", "layer3", "layer4"];
    private readonly OnnxFeatureExtractor _model;

    public ResNet18Tests(ResNet18Fixture fixture) => _model = fixture.Model;

    [Fact]
    public void ResNet18_FromEmbeddedResource_HasNameAliasesFirstAndPreprocessing()
    {
        Assert.Equal("resnet18", _model.Name);
        Assert.Equal(Aliases, _model.LayerNames.Take(5));
        Assert.True(_model.LayerNames.Count > 40);
        Assert.Contains("ReLU347_Output_0", _model.LayerNames);
        Assert.True(_model.Preprocessing.Bgr);
        Assert.Equal(255f, _model.Preprocessing.Scale);
        Assert.Equal([103.06262f, 115.902885f, 123.15163f], _model.Preprocessing.Mean);
        Assert.Equal(DeviceType.CPU, _model.Device.type);
    }

    [Fact]
    public void Extract_At224_GivesTorchvisionShapes()
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 224, 224, generator: new Generator(1));
        var result = _model.Extract(image, Aliases);
        Assert.Equal(new long[] { 1, 64, 56, 56 }, result["stem"].shape);
        Assert.Equal(new long[] { 1, 64, 56, 56 }, result["layer1"].shape);
        Assert.Equal(new long[] { 1, 128, 28, 28 }, result["layer2"].shape);
        Assert.Equal(new long[] { 1, 256, 14, 14 }, result["layer3"].shape);
        Assert.Equal(new long[] { 1, 512, 7, 7 }, result["layer4"].shape);
        Assert.All(result.Values, t => Assert.True(t.is_contiguous()));
        // Post-ReLU activations: non-negative and not all zero.
        Assert.True(result["layer3"].min().item<float>() >= 0);
        Assert.True(result["layer3"].max().item<float>() > 0);
    }

    [Theory]
    [InlineData(57, 91)]
    [InlineData(113, 75)]
    [InlineData(451, 300)]
    [InlineData(33, 33)]
    public void Extract_OddSizes_RunToLayer4(int width, int height)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = rand(1, 3, height, width, generator: new Generator(2));
        var result = _model.Extract(image, ["layer4"]);
        var expected = new long[] { 1, 512, Down(height, 5), Down(width, 5) };
        Assert.Equal(expected, result["layer4"].shape);
        Assert.True(result["layer4"].isfinite().all().item<bool>());
    }

    private static long Down(long size, int times)
    {
        // Each stride-2 stage with symmetric padding gives ceil(size / 2).
        for (var i = 0; i < times; i++) size = (size + 1) / 2;
        return size;
    }

    [Fact]
    public void SymmetricPads_AtEvenSize_EqualExactAsymmetricPadding()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var graph = OnnxModelLoader.LoadResourceGraph(typeof(DreamModels).Assembly, DreamModels.ResNet18Resource,
            new OnnxImportOptions { SymmetricPadsFromBegin = false }, CPU);
        using var exact = new OnnxFeatureExtractor("exact", graph, DreamModels.ResNet18Preprocessing, ResNetAliases.Find(graph), CPU);
        var image = rand(1, 3, 96, 128, generator: new Generator(3));
        var a = _model.Extract(image, ["layer4"])["layer4"];
        var b = exact.Extract(image, ["layer4"])["layer4"];
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-4));
        // Odd feature maps are exactly where the exact CNTK padding breaks the residual Add: at 228 the max-pool gives 57×57,
        // the padded 3×3 stride-2 branch gives 28 and the 1×1 shortcut 29. The symmetric import handles it.
        var error = Assert.Throws<DeepDreamException>(() => exact.Extract(rand(1, 3, 228, 228), ["layer2"]));
        Assert.Contains("must match the size", error.Message);
        Assert.Equal(new long[] { 1, 128, 29, 29 }, _model.Extract(rand(1, 3, 228, 228), ["layer2"])["layer2"].shape);
    }

    [Fact]
    public void FoldedBatchNormAndChannelsLast_EqualPlainUnfoldedModel()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var graph = OnnxModelLoader.LoadResourceGraph(typeof(DreamModels).Assembly, DreamModels.ResNet18Resource,
            new OnnxImportOptions { SymmetricPadsFromBegin = true, FoldBatchNorm = false, ChannelsLast = false }, CPU);
        using var unfolded = new OnnxFeatureExtractor("unfolded", graph, DreamModels.ResNet18Preprocessing, ResNetAliases.Find(graph), CPU);
        Assert.Contains(unfolded.Graph.Ops, o => o.OpType == "BatchNormalization");
        Assert.DoesNotContain(_model.Graph.Ops, o => o.OpType == "BatchNormalization");
        var image = rand(1, 3, 64, 80, generator: new Generator(4));
        var a = _model.Extract(image, ["layer3"])["layer3"];
        var b = unfolded.Extract(image, ["layer3"])["layer3"];
        var scale = b.abs().max().item<float>();
        Assert.True((a - b).abs().max().item<float>() <= 1e-4 * scale, "folded and unfolded layer3 differ");
    }

    [Fact]
    public void GetMinimumInputSize_IsSmallestWorkingSizeAndCached()
    {
        var minimum = _model.GetMinimumInputSize(["layer4"]);
        Assert.InRange(minimum, 1, 64);
        Assert.Equal(minimum, _model.GetMinimumInputSize(["stem", "layer4"]));
        Assert.True(_model.GetMinimumInputSize(["stem"]) <= minimum);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var result = _model.Extract(rand(1, 3, minimum, minimum), ["layer4"]);
        Assert.All(result["layer4"].shape, d => Assert.True(d >= 1));
    }

    [Fact]
    public void ListLayers_GivesShapesAndChannels()
    {
        var layers = _model.ListLayers(224, 224);
        Assert.Equal(_model.LayerNames, layers.Select(l => l.Name));
        var layer2 = layers.Single(l => l.Name == "layer2");
        Assert.Equal(new long[] { 1, 128, 28, 28 }, layer2.Shape);
        Assert.Equal(128, layer2.Channels);
        // The final 7×7 average pool of the file gives 1×1 at 224.
        Assert.Equal(new long[] { 1, 512, 1, 1 }, layers[^1].Shape);
        // Too small for the final 7×7 pool: listed with an empty shape, while layer4 itself still computes.
        var small = _model.ListLayers(64, 64);
        Assert.Empty(small[^1].Shape);
        Assert.Equal(new long[] { 1, 512, 2, 2 }, small.Single(l => l.Name == "layer4").Shape);
    }

    [Fact]
    public void Weights_AreFrozenAndGradientReachesTheInput()
    {
        Assert.All(_model.Graph.Constants, t => Assert.False(t.requires_grad));
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 75, 113, generator: new Generator(5)).requires_grad_(true);
        var activation = _model.Extract(image, ["layer3"])["layer3"];
        Assert.True(activation.requires_grad);
        var loss = activation.square().mean();
        var grad = torch.autograd.grad([loss], [image])[0];
        Assert.Equal(image.shape, grad.shape);
        Assert.True(grad.abs().sum().item<float>() > 0);
        Assert.True(grad.isfinite().all().item<bool>());
    }

    [Fact]
    public void Gradient_MatchesFiniteDifference()
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 40, 40, ScalarType.Float64, generator: new Generator(6)).to_type(ScalarType.Float32);
        var x = image.clone().requires_grad_(true);
        var grad = torch.autograd.grad([_model.Extract(x, ["layer2"])["layer2"].mean()], [x])[0];
        // Directional derivative along the gradient itself, by central differences.
        var direction = grad / grad.norm();
        const float h = 1e-2f;
        using var noGrad = no_grad();
        var plus = _model.Extract(image + h * direction, ["layer2"])["layer2"].mean().item<float>();
        var minus = _model.Extract(image - h * direction, ["layer2"])["layer2"].mean().item<float>();
        var numeric = (plus - minus) / (2 * h);
        var analytic = grad.norm().item<float>();
        Assert.Equal(analytic, numeric, analytic * 0.05);
    }

    [Fact]
    public void Extract_AliasAndNodeName_GiveTheSameActivation()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = rand(1, 3, 64, 64, generator: new Generator(7));
        var result = _model.Extract(image, ["layer3", _model.Aliases["layer3"]]);
        Assert.Equal(2, result.Count);
        Assert.True(result["layer3"].allclose(result[_model.Aliases["layer3"]], rtol: 0, atol: 0));
    }

    [Fact]
    public void Extract_UnknownLayer_ListsValidNames()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<UnknownLayerException>(() => _model.Extract(zeros(1, 3, 32, 32), ["layer9"]));
        Assert.Contains("Unknown layer 'layer9' for model 'resnet18'; valid layers: stem, layer1, layer2, layer3, layer4,", e.Message);
        Assert.Contains("… (17 more in the model's LayerNames).", e.Message);
        Assert.DoesNotContain("deepdream", e.Message); // the library never names CLI commands
        Assert.Equal(("resnet18", "layer9", 57), (e.Model, e.Layer, e.ValidLayers.Count));
        Assert.Contains("valid layers: stem, layer1, layer2, layer3, layer4", e.Message);
        Assert.Throws<UnknownLayerException>(() => _model.GetMinimumInputSize(["nope"]));
    }

    [Fact]
    public void Extract_WrongImageShape_Throws()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => _model.Extract(zeros(1, 1, 32, 32), ["stem"]));
    }

    [Fact]
    public void Extract_FromSeveralThreads_GivesTheSameResults()
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 48, 64, generator: new Generator(8));
        float Run()
        {
            using var inner = NewDisposeScope();
            using var noGrad = no_grad();
            return _model.Extract(image, ["layer2"])["layer2"].sum().item<float>();
        }
        var expected = Run();
        var results = new float[8];
        Parallel.For(0, results.Length, i => results[i] = Run());
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Extract_PreprocessingIsApplied()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // An RGB image of exactly the channel means (R 123.15, G 115.90, B 103.06 on 0..255) is all-zero after preprocessing,
        // so the first convolution (bias folded from BN) is the same at every interior pixel.
        var rgb = tensor(new[] { 123.15163f / 255, 115.902885f / 255, 103.06262f / 255 }).reshape(1, 3, 1, 1).expand(1, 3, 64, 64).contiguous();
        var stem = _model.Extract(rgb, ["stem"])["stem"];
        var interior = stem[.., .., 2..^2, 2..^2];
        var first = interior[.., .., 0..1, 0..1];
        Assert.True((interior - first).abs().max().item<float>() < 1e-4);
    }
}
