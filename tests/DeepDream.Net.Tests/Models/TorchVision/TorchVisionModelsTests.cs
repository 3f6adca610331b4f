using System.Text.Json;
using DeepDream.Features;
using DeepDream.Models.TorchVision;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.TorchVision;

public sealed class TorchVisionModelsTests
{
    private static readonly string s_fixture = Path.Combine(AppContext.BaseDirectory, "TestData", "fixtures", "googlenet_seed0.pth");
    private static readonly string s_expected = Path.Combine(AppContext.BaseDirectory, "TestData", "fixtures", "googlenet_seed0_expected.json");

    /// <summary>x[0,c,h,w] = sin(0.01·(c·10007 + h·131 + w)), the fixture's input.</summary>
    private static Tensor SineInput(int height, int width)
    {
        var data = new float[3 * height * width];
        for (var c = 0; c < 3; c++)
            for (var h = 0; h < height; h++)
                for (var w = 0; w < width; w++)
                    data[(c * height + h) * width + w] = MathF.Sin(0.01f * (c * 10007 + h * 131 + w));
        return tensor(data).reshape(1, 3, height, width);
    }

    private static IFeatureExtractor Untrained(string architecture, TorchVisionOptions? options = null)
    {
        manual_seed(7);
        return DreamModels.CreateTorchVision(DreamModels.ResolveArchitecture(architecture), options ?? new TorchVisionOptions(), load: null);
    }

    private static nn.Module<Tensor, Tensor> ModuleOf(IFeatureExtractor extractor) => ((ModuleFeatureExtractor)extractor).Module;

    private static nn.Module<Tensor, Tensor> Find(nn.Module root, string path) =>
        (nn.Module<Tensor, Tensor>)root.named_modules().Single(m => m.name == path).module;

    [Fact]
    public void GoogLeNetFixture_RawPreprocessing_MatchesPyTorchActivations()
    {
        using var scope = NewDisposeScope();
        using var extractor = DreamModels.FromTorchVision("googlenet", s_fixture, new TorchVisionOptions { Preprocessing = Preprocessing.Raw });
        string[] layers = ["inception3b", "inception4c", "inception5b", "logits"];
        var x = SineInput(224, 224);
        var got = extractor.Extract(x, layers);

        using var json = JsonDocument.Parse(File.ReadAllText(s_expected));
        foreach (var layer in layers)
        {
            var e = json.RootElement.GetProperty("layers").GetProperty(layer);
            var t = got[layer];
            Assert.Equal(e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray(), t.shape);
            var scale = e.GetProperty("abs_mean").GetDouble(); // relative to the layer's magnitude
            void Near(double expected, double actual, string what) =>
                Assert.True(Math.Abs(expected - actual) <= 1e-4 * Math.Max(Math.Abs(expected), scale), $"{layer} {what}: expected {expected}, got {actual}");
            Near(e.GetProperty("mean").GetDouble(), t.mean().item<float>(), "mean");
            Near(e.GetProperty("abs_mean").GetDouble(), t.abs().mean().item<float>(), "abs_mean");
            Near(e.GetProperty("std").GetDouble(), t.std().item<float>(), "std");
            var first = t.flatten().narrow(0, 0, 8).data<float>().ToArray();
            var expectedFirst = e.GetProperty("first8").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (var i = 0; i < 8; i++) Near(expectedFirst[i], first[i], $"value {i}");
        }
    }

    [Fact]
    public void GoogLeNetFixture_ExtractorLogits_EqualModuleForward()
    {
        using var scope = NewDisposeScope();
        using var extractor = DreamModels.FromTorchVision("googlenet", s_fixture, new TorchVisionOptions { Preprocessing = Preprocessing.Raw });
        var x = SineInput(96, 112);
        using var noGrad = no_grad();
        var expected = ModuleOf(extractor).call(x);
        var got = extractor.Extract(x, ["logits"])["logits"];
        Assert.Equal(0f, (got - expected).abs().max().item<float>(), 5);
    }

    [Fact]
    public void FromTorchVision_GoogLeNet_DefaultsToTransformInputConvention()
    {
        using var withDefault = DreamModels.FromTorchVision("GoogLeNet", s_fixture);
        Assert.Equal([0.5f, 0.5f, 0.5f], withDefault.Preprocessing.Mean);
        Assert.Equal([0.5f, 0.5f, 0.5f], withDefault.Preprocessing.Std);
        Assert.Equal("googlenet", withDefault.Name);
        using var plain = DreamModels.FromTorchVision("googlenet", s_fixture, new TorchVisionOptions { TransformInput = false });
        Assert.Same(Preprocessing.ImageNet, plain.Preprocessing);
    }

    [Fact]
    public void FromTorchVision_UnknownArchitecture_ThrowsListingSupported()
    {
        var ex = Assert.Throws<ArgumentException>(() => DreamModels.FromTorchVision("resnet19", s_fixture));
        Assert.Contains("unknown TorchVision architecture 'resnet19'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("resnet18, resnet34", ex.Message, StringComparison.Ordinal);
        Assert.Contains("googlenet", ex.Message, StringComparison.Ordinal);
        Assert.Contains("vgg19_bn", DreamModels.TorchVisionArchitectures);
    }

    [Fact]
    public void FromTorchVision_GoogLeNetWeightsIntoResNet18_NamesFileAndKeys()
    {
        var ex = Assert.Throws<ModelLoadException>(() => DreamModels.FromTorchVision("resnet18", s_fixture));
        Assert.Contains(s_fixture, ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not fit resnet18", ex.Message, StringComparison.Ordinal);
        Assert.Contains("missing key(s): conv1.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected key(s): conv1.bn.bias, conv1.bn.num_batches_tracked", ex.Message, StringComparison.Ordinal);
        Assert.Contains("shape mismatch(es): fc.weight (file [1000, 1024], resnet18 [1000, 512])", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTorchVision_WrongClassCount_ReportsShapeMismatch()
    {
        var ex = Assert.Throws<ModelLoadException>(() => DreamModels.FromTorchVision("googlenet", s_fixture, new TorchVisionOptions { NumClasses = 10 }));
        Assert.Contains("fc.weight (file [1000, 1024], googlenet [10, 1024])", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromTorchVision_TruncatedFile_ThrowsModelLoadException()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dd-truncated-{Guid.NewGuid():N}.pth");
        try
        {
            var bytes = File.ReadAllBytes(s_fixture);
            File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());
            var ex = Assert.Throws<ModelLoadException>(() => DreamModels.FromTorchVision("googlenet", path));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromTorchVision_NotAPickleOrMissing_ThrowsModelLoadException()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dd-text-{Guid.NewGuid():N}.pth");
        try
        {
            File.WriteAllText(path, "this is not a PyTorch file");
            var ex = Assert.Throws<ModelLoadException>(() => DreamModels.FromTorchVision("resnet18", path));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            var missing = Path.Combine(Path.GetTempPath(), $"dd-missing-{Guid.NewGuid():N}.pth");
            var ex2 = Assert.Throws<ModelLoadException>(() => DreamModels.FromTorchVision("resnet18", missing));
            Assert.Contains("does not exist", ex2.Message, StringComparison.Ordinal);
            Assert.Contains(missing, ex2.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromTorchVision_Safetensors_LoadsSameWeights()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Path.GetTempPath(), $"dd-{Guid.NewGuid():N}.safetensors");
        try
        {
            // Saved from a contiguous (not channels-last) copy: safetensors writes plain row-major bytes.
            using var fromPth = DreamModels.FromTorchVision("googlenet", s_fixture, new TorchVisionOptions { Preprocessing = Preprocessing.Raw, ChannelsLast = false });
            ModuleOf(fromPth).save_safetensors(path);
            using var fromSafetensors = DreamModels.FromTorchVision("googlenet", path, new TorchVisionOptions { Preprocessing = Preprocessing.Raw, ChannelsLast = false });
            var x = SineInput(64, 64);
            var a = fromPth.Extract(x, ["inception4c"])["inception4c"];
            var b = fromSafetensors.Extract(x, ["inception4c"])["inception4c"];
            Assert.Equal(0f, (a - b).abs().max().item<float>());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ResNet18_LayerNames_AreModulePathsInForwardOrder()
    {
        using var extractor = Untrained("resnet18");
        var names = extractor.LayerNames;
        var order = new[] { "conv1", "bn1", "relu", "maxpool", "layer1", "layer1.0", "layer1.0.conv1", "layer2", "layer3", "layer3.1.conv2", "layer4", "logits" }
            .Select(n => names.ToList().IndexOf(n)).ToArray();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order().ToArray(), order);
        Assert.Equal("logits", names[^1]);
        Assert.DoesNotContain("fc", names);
    }

    [Fact]
    public void ResNet18_TruncatedForward_EqualsFullForwardWithHook_AndStopsEarly()
    {
        using var scope = NewDisposeScope();
        using var extractor = Untrained("resnet18", new TorchVisionOptions { Preprocessing = Preprocessing.Raw, FoldBatchNorm = false });
        var module = ModuleOf(extractor);
        var x = SineInput(48, 64);

        var full = new Dictionary<string, Tensor>();
        var layer4Calls = 0;
        var removers = new List<Action>();
        foreach (var path in new[] { "layer2", "layer3", "layer3.1.conv2" })
            removers.Add(Find(module, path).register_forward_hook((_, _, o) => { full.TryAdd(path, o.clone().DetachFromDisposeScope()); return o; }).remove);
        removers.Add(Find(module, "layer4").register_forward_hook((_, _, o) => { layer4Calls++; return o; }).remove);

        using (no_grad()) module.call(x);
        Assert.Equal(1, layer4Calls);

        var got = extractor.Extract(x, ["layer3", "layer2", "layer3.1.conv2"]);
        Assert.Equal(1, layer4Calls); // the truncated pass never reached layer4
        foreach (var path in full.Keys)
        {
            Assert.Equal(full[path].shape, got[path].shape);
            Assert.Equal(0f, (full[path] - got[path]).abs().max().item<float>(), 6);
        }
        Assert.Equal(new long[] { 1, 256, 3, 4 }, got["layer3"].shape);

        // A deep name inside a residual block: the block's later in-place add/relu must not alter the captured value.
        var conv2Only = extractor.Extract(x, ["layer3.1.conv2"])["layer3.1.conv2"];
        Assert.Equal(0f, (full["layer3.1.conv2"] - conv2Only).abs().max().item<float>(), 6);
        Assert.Equal(1, layer4Calls);
        foreach (var remove in removers) remove();
    }

    [Fact]
    public void Extract_InputGradient_FlowsWithFrozenParameters()
    {
        using var scope = NewDisposeScope();
        using var extractor = Untrained("resnet18");
        Assert.All(ModuleOf(extractor).parameters(), p => Assert.False(p.requires_grad));
        var x = SineInput(40, 40).abs().requires_grad_(true);
        var act = extractor.Extract(x, ["layer2", "layer1.1.bn2"]);
        var loss = act["layer2"].square().mean() + act["layer1.1.bn2"].mean();
        loss.backward();
        Assert.NotNull(x.grad);
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
        Assert.All(ModuleOf(extractor).parameters(), p => Assert.Null(p.grad));
    }

    [Theory]
    [InlineData("resnet18", 48)]
    [InlineData("googlenet", 48)]
    [InlineData("mobilenet_v2", 40)]
    [InlineData("mobilenet_v3_small", 40)]
    [InlineData("alexnet", 80)]
    [InlineData("inception_v3", 80)]
    public void Logits_EqualTheModulesOwnForward(string architecture, int size)
    {
        using var scope = NewDisposeScope();
        using var extractor = Untrained(architecture, new TorchVisionOptions { Preprocessing = Preprocessing.Raw });
        var x = SineInput(size, size + 8);
        using var noGrad = no_grad();
        var expected = ModuleOf(extractor).call(x);
        var got = extractor.Extract(x, ["logits"])["logits"];
        Assert.Equal(expected.shape, got.shape);
        Assert.True((got - expected).abs().max().item<float>() <= 1e-5f * Math.Max(1f, expected.abs().max().item<float>()));
    }

    [Fact]
    public void GetMinimumInputSize_GoogLeNet_IsTheSmallestSizeThatWorks()
    {
        using var scope = NewDisposeScope();
        using var extractor = DreamModels.FromTorchVision("googlenet", s_fixture);
        var min = extractor.GetMinimumInputSize(["inception5b"]);
        Assert.True(min > 1);
        Assert.Equal(min, extractor.GetMinimumInputSize(["inception5b", "conv1"])); // cached and max over layers
        Assert.True(extractor.GetMinimumInputSize(["conv1"]) <= min);
        var ok = extractor.Extract(zeros(1, 3, min, min), ["inception5b"])["inception5b"];
        Assert.All(ok.shape, d => Assert.True(d > 0));
        Assert.Throws<ImageTooSmallException>(() => extractor.Extract(zeros(1, 3, min - 1, min - 1), ["inception5b"]));
    }

    [Fact]
    public void ListLayers_ResNet18_GivesShapesAndEmptyForUncomputable()
    {
        using var extractor = Untrained("resnet18");
        var layers = extractor.ListLayers(64, 32);
        Assert.Equal(extractor.LayerNames, layers.Select(l => l.Name));
        Assert.Equal(new long[] { 1, 256, 2, 4 }, layers.Single(l => l.Name == "layer3").Shape);
        Assert.Equal(new long[] { 1, 1000 }, layers.Single(l => l.Name == "logits").Shape);
        Assert.Equal(64, layers.Single(l => l.Name == "layer1.0.conv2").Channels);

        using var g = DreamModels.FromTorchVision("googlenet", s_fixture);
        var min = g.GetMinimumInputSize(["inception5b"]);
        var small = g.ListLayers(min - 1, min - 1);
        Assert.Empty(small.Single(l => l.Name == "inception5b").Shape);
        Assert.NotEmpty(small.Single(l => l.Name == "conv1").Shape);
    }

    [Fact]
    public void Extract_UnknownLayer_ThrowsListingValidLayers()
    {
        using var extractor = Untrained("resnet18");
        using var x = zeros(1, 3, 32, 32);
        var ex = Assert.Throws<UnknownLayerException>(() => extractor.Extract(x, ["layer5"]));
        Assert.StartsWith("Unknown layer 'layer5' for model 'resnet18'; valid layers: conv1, bn1, relu, maxpool, layer1,", ex.Message, StringComparison.Ordinal);
        Assert.Throws<UnknownLayerException>(() => extractor.GetMinimumInputSize(["nope"]));
    }

    [Fact]
    public void Extract_FromSeveralThreads_GivesTheSameValues()
    {
        using var scope = NewDisposeScope();
        using var extractor = Untrained("resnet18");
        var x = SineInput(32, 32).abs();
        float Sum(string layer)
        {
            using var s = NewDisposeScope();
            return extractor.Extract(x, [layer, "layer1"])[layer].sum().item<float>();
        }
        var expected = new[] { Sum("layer2"), Sum("layer3.0.bn1") };
        var results = new float[16];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = Sum(i % 2 == 0 ? "layer2" : "layer3.0.bn1"));
        for (var i = 0; i < results.Length; i++) Assert.Equal(expected[i % 2], results[i]);
    }

    [Fact]
    public void To_Cpu_ReturnsSameExtractorOnCpu()
    {
        using var extractor = Untrained("mobilenet_v3_small");
        Assert.Same(extractor, extractor.To(CPU));
        Assert.Equal(DeviceType.CPU, extractor.Device.type);
    }
}
