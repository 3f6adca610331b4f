using DeepDream.Features;
using DeepDream.Imaging;
using DeepDream.Models.Onnx;
using DeepDream.Models.TorchVision;
using DeepDream.Performance;
using DeepDream.Tests.Engine;
using DeepDream.Tests.Models.Onnx;
using DeepDream.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Performance;

/// <summary>
/// bfloat16: every model source computes in it, hands out float32 activations close to float32's, passes the gradient
/// back to a float32 image, and dreams pictures of the same strength; float32 stays the default.
/// </summary>
public sealed class PrecisionTests
{
    /// <summary>Activations and the input gradient of <paramref name="layer"/> in the extractor's current precision.</summary>
    private static (Tensor Activation, Tensor Gradient) Probe(IFeatureExtractor model, string layer, Tensor image)
    {
        var leaf = image.detach().requires_grad_(true);
        Tensor a;
        using (enable_grad()) a = model.Extract(leaf, [layer])[layer];
        var g = autograd.grad([a], [leaf], [a.detach()])[0];
        return (a.detach(), g);
    }

    /// <summary>Converts the extractor to bfloat16 and checks it against its own float32 results.</summary>
    private static void AssertBFloat16MatchesFloat32(IFeatureExtractor model, string layer, int height, int width)
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 3, height, width, generator: new Generator(5));
        var (a32, g32) = Probe(model, layer, image);
        Assert.Equal(Precision.Float32, model.Precision);

        Assert.Same(model, model.To(Precision.BFloat16));
        Assert.Equal(Precision.BFloat16, model.Precision);
        var (a16, g16) = Probe(model, layer, image);

        Assert.Equal(ScalarType.Float32, a16.dtype);
        Assert.True(a16.is_contiguous());
        Assert.Equal(ScalarType.Float32, g16.dtype);
        Assert.Equal(a32.shape, a16.shape);
        // bfloat16 keeps 8 significant bits: a few parts in a thousand per operation, a few percent after a network.
        var relative = (a16 - a32).norm().item<float>() / a32.norm().item<float>();
        Assert.InRange(relative, 1e-5, 0.05); // not zero: it really computed in bfloat16
        var cosine = (g16 * g32).sum().item<float>() / (g16.norm().item<float>() * g32.norm().item<float>());
        Assert.True(cosine > 0.98, $"gradient cosine similarity {cosine}");
    }

    [Fact]
    public void Float32_IsTheDefault()
    {
        Assert.Equal(Precision.Float32, new DreamSettings().Precision);
        using var model = new TinyExtractor();
        Assert.Equal(Precision.Float32, ((IFeatureExtractor)model).Precision);
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Build();
        Assert.Equal(Precision.Float32, dreamer.Settings.Precision);
    }

    [Fact]
    public void EmbeddedResNet18_ComputesInBFloat16()
    {
        using var model = DreamModels.ResNet18();
        AssertBFloat16MatchesFloat32(model, "layer3", 70, 90);
    }

    [Fact]
    public void OnnxModel_ComputesInBFloat16_WithFoldedBatchNormAndChannelsLast()
    {
        var g = new Generator(3);
        float[] Values(long n, double scale) => [.. randn(n, generator: g).mul(scale).data<float>()];
        var path = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
            .Init("w", Values(8 * 3 * 9, 0.3), 8, 3, 3, 3)
            .Init("gamma", Values(8, 1), 8).Init("beta", Values(8, 1), 8).Init("mean", Values(8, 0.1), 8)
            .Init("var", [.. Values(8, 0.1).Select(v => 1 + Math.Abs(v))], 8)
            .Init("w2", Values(4 * 8 * 9, 0.2), 4, 8, 3, 3)
            .Node("Conv", ["x", "w"], ["c"], attributes: ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["bn"])
            .Node("Relu", ["bn"], ["r"])
            .Node("MaxPool", ["r"], ["p"], attributes: [("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })])
            .Node("Conv", ["p", "w2"], ["y"], attributes: ("pads", new long[] { 1, 1, 1, 1 }))
            .Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.ImageNet);
        AssertBFloat16MatchesFloat32(model, "y", 12, 10);
    }

    [Fact]
    public void TorchVisionResNet_ComputesInBFloat16()
    {
        manual_seed(11);
        using var model = DreamModels.CreateTorchVision(DreamModels.ResolveArchitecture("resnet18"), new TorchVisionOptions(), load: null);
        AssertBFloat16MatchesFloat32(model, "layer2", 48, 40);
    }

    [Fact]
    public void UserModule_ComputesInBFloat16()
    {
        manual_seed(12);
        var module = nn.Sequential(
            ("conv1", nn.Conv2d(3, 6, 3, padding: 1)), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(6, 5, 3, stride: 2, padding: 1)), ("relu2", nn.ReLU()));
        using var model = DreamModels.FromModule(module, Preprocessing.ImageNet, "user");
        AssertBFloat16MatchesFloat32(model, "relu2", 15, 17);
    }

    [Fact]
    public void BFloat16_BackToFloat32_ComputesInFloat32Again()
    {
        using var model = DreamModels.FromOnnx(TinyOnnxModel.Save(), Preprocessing.Raw);
        model.To(Precision.BFloat16).To(Precision.Float32);
        Assert.Equal(Precision.Float32, model.Precision);
        Assert.All(model.Graph.Constants.Where(t => t.is_floating_point()), t => Assert.Equal(ScalarType.Float32, t.dtype));
    }

    [Fact]
    public void BFloat16Dream_ChangesThePictureAsMuchAsFloat32()
    {
        // The quality check of issue 14 at the defaults (octaves, steps, step size, jitter), on chelsea.png shrunk to
        // 150×100 to keep it quick (the smallest octaves fall below layer3's minimum and are dropped, as for any small image).
        using var input = TestImages.LoadSmall("chelsea.png", 150);
        double Change(Precision precision)
        {
            using var dreamer = new DreamBuilder().UseModel(DreamModels.ResNet18()).Seed(3).Precision(precision).Build();
            using var output = dreamer.Run(input);
            using var scope = NewDisposeScope();
            return (ImageTensor.ToTensor(output) - ImageTensor.ToTensor(input)).abs().mean().item<float>();
        }
        var fp32 = Change(Precision.Float32);
        var bf16 = Change(Precision.BFloat16);
        Assert.True(fp32 > 0.02, $"the float32 dream changed the picture by only {fp32}");
        Assert.InRange(bf16 / fp32, 0.85, 1.15);
    }

    [Fact]
    public void Build_BFloat16_OnAFloat32OnlyExtractor_SaysSo()
    {
        using var model = new TinyExtractor();
        var e = Assert.Throws<NotSupportedException>(() =>
            new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Precision(Precision.BFloat16).Build());
        Assert.Contains("'tiny'", e.Message);
        Assert.Contains("float32 only", e.Message);
    }

    [Fact]
    public void Precision_UndefinedValue_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DreamBuilder().Precision((Precision)7));

    [Fact]
    public void Run_AfterAnotherBuilderConvertedTheSharedModel_SaysWhy()
    {
        using var model = DreamModels.FromOnnx(TinyOnnxModel.Save(), Preprocessing.Raw);
        using var fp32 = new DreamBuilder().UseModel(model, ownsModel: false).Layer("y").Octaves(1).Steps(1).Build();
        using var bf16 = new DreamBuilder().UseModel(model, ownsModel: false).Layer("y").Octaves(1).Steps(1).Precision(Precision.BFloat16).Build();
        using var input = TestImages.Noise(12, 12);
        using (bf16.Run(input)) { }
        var e = Assert.Throws<InvalidOperationException>(() => fp32.Run(input));
        Assert.Contains("BFloat16", e.Message);
    }

    [Fact]
    public void BFloat16_WithoutHardwareSupport_LogsOneWarning()
    {
        var sink = new LoggingTests.ListLoggerFactory();
        PrecisionSupport.CpuOverrideForTests = false;
        try
        {
            using var model = DreamModels.FromOnnx(TinyOnnxModel.Save(), Preprocessing.Raw);
            using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("y").Octaves(2).Steps(2).Seed(1)
                .Precision(Precision.BFloat16).UseLoggerFactory(sink).Build();
            using var input = TestImages.Noise(12, 12);
            using (dreamer.Run(input)) { }
            using (dreamer.Run(input)) { }
        }
        finally
        {
            PrecisionSupport.CpuOverrideForTests = null;
        }
        var warning = Assert.Single(sink.Events, e => e.Level == LogLevel.Warning);
        Assert.Equal("PrecisionEmulated", warning.Id.Name);
        Assert.Contains("emulated", warning.Message);
    }
}
