using DeepDream.Features;
using DeepDream.Models.Onnx;
using TorchSharp;
using static DeepDream.Tests.Models.Onnx.OnnxTestRunner;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>Loading ONNX files: bad files, unsupported operators, initializer encodings, external data, the public extractor.</summary>
public sealed class OnnxLoadTests
{
    private static OnnxTestWriter ConvRelu(bool raw = true) => new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
        .Init(new TestTensor("w", [2, 3, 3, 3], Floats: [.. Enumerable.Range(0, 54).Select(i => (i % 7 - 3) * 0.1f)], Raw: raw))
        .Init(new TestTensor("b", [2], Floats: [0.5f, -0.5f], Raw: raw))
        .Node("Conv", ["x", "w", "b"], ["c"], name: "conv1")
        .Node("Relu", ["c"], ["y"], name: "relu1");

    [Fact]
    public void UnsupportedOperator_FailsAtLoad_NamingOpNodeAndSupportedOps()
    {
        var path = new OnnxTestWriter().Input("x").Output("y")
            .Node("Relu", ["x"], ["r"]).Node("NonMaxSuppression", ["r"], ["y"], name: "my_nms").Save();
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains(path, e.Message);
        Assert.Contains("'NonMaxSuppression'", e.Message);
        Assert.Contains("'my_nms'", e.Message);
        Assert.Contains("register it with OnnxImportOptions.CustomOperators. Built-in operators: ", e.Message);
        foreach (var op in new[] { "Conv", "BatchNormalization", "Gemm", "Reshape", "LRN", "Pad" }) Assert.Contains(op, e.Message);
    }

    [Fact]
    public void MissingFile_ThrowsModelLoadExceptionNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "deepdream-onnx-tests", "does-not-exist.onnx");
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void TruncatedFile_ThrowsModelLoadExceptionNamingThePath()
    {
        var bytes = ConvRelu().ToBytes();
        var path = Path.Combine(Path.GetDirectoryName(ConvRelu().Save())!, "truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Theory]
    [InlineData("This is a text file, not a model.\nSecond line.\n")]
    [InlineData("{\"graph\": []}")]
    public void NonOnnxFile_ThrowsModelLoadExceptionNamingThePath(string content)
    {
        var path = Path.Combine(Path.GetDirectoryName(ConvRelu().Save())!, "text.onnx");
        File.WriteAllText(path, content);
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a valid ONNX model", e.Message);
    }

    [Fact]
    public void EmptyFile_ThrowsModelLoadExceptionSayingSo()
    {
        var path = Path.Combine(Path.GetDirectoryName(ConvRelu().Save())!, "empty.onnx");
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains(path, e.Message);
        Assert.Contains("empty (0 bytes)", e.Message);
    }

    [Fact]
    public void NodeInputWithoutProducer_ThrowsModelLoadException()
    {
        var path = new OnnxTestWriter().Input("x").Output("y").Node("Add", ["x", "ghost"], ["y"], name: "adder").Save();
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains("'ghost'", e.Message);
        Assert.Contains("'adder'", e.Message);
    }

    [Fact]
    public void RawDataAndFloatDataInitializers_GiveTheSameResult()
    {
        using var scope = NewDisposeScope();
        var x = rand(1, 3, 6, 5, generator: new Generator(11));
        var raw = Run(ConvRelu(raw: true), x);
        var typed = Run(ConvRelu(raw: false), x);
        AssertClose(raw, typed, 0);
        var expected = nn.functional.conv2d(x, tensor(Enumerable.Range(0, 54).Select(i => (i % 7 - 3) * 0.1f).ToArray()).reshape(2, 3, 3, 3), tensor(new[] { 0.5f, -0.5f })).relu();
        AssertClose(expected, raw, 1e-6);
    }

    [Fact]
    public void Int64Initializers_RawAndTyped_BothWork()
    {
        using var scope = NewDisposeScope();
        foreach (var raw in new[] { true, false })
        {
            var model = new OnnxTestWriter().Input("x").Output("y").Init(new TestTensor("s", [2], Longs: [3, -1], Raw: raw))
                .Node("Reshape", ["x", "s"], ["y"]);
            Assert.Equal(new long[] { 3, 4 }, Run(model, arange(12f)).shape);
        }
    }

    [Fact]
    public void ExternalData_IsReadFromTheFileNextToTheModel()
    {
        using var scope = NewDisposeScope();
        var weights = new[] { 1f, -2f, 3f, 0.5f };
        var dir = Path.GetDirectoryName(new OnnxTestWriter().Save())!;
        // 8 bytes of something else first, to exercise the offset.
        File.WriteAllBytes(Path.Combine(dir, "weights.bin"), [.. new byte[8], .. weights.SelectMany(BitConverter.GetBytes)]);
        var model = new OnnxTestWriter().Input("x").Output("y")
            .Init(new TestTensor("w", [4], ExternalLocation: "weights.bin", ExternalOffset: 8))
            .Node("Mul", ["x", "w"], ["y"]);
        var path = Path.Combine(dir, "external.onnx");
        File.WriteAllBytes(path, model.ToBytes());
        using var extractorGraph = OnnxModelLoader.BuildGraph(File.ReadAllBytes(path), $"'{path}'", dir, new OnnxImportOptions(), CPU);
        var id = extractorGraph.RuntimeId("y");
        var y = extractorGraph.Run(ones(4), [id])[id]!;
        Assert.Equal(weights, Values(y));

        File.Delete(Path.Combine(dir, "weights.bin"));
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains("weights.bin", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void FromOnnx_ExtractorListsAliasesFirstAndComputesLayers()
    {
        var path = ConvRelu().Save("tiny.onnx");
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw,
            new OnnxImportOptions { LayerAliases = new Dictionary<string, string> { ["features"] = "y" } });
        Assert.Equal("tiny", model.Name);
        Assert.Equal(["features", "c", "y"], model.LayerNames);
        using var scope = NewDisposeScope();
        var x = rand(2, 3, 8, 9, generator: new Generator(12));
        var result = model.Extract(x, ["features", "c"]);
        Assert.Equal(new long[] { 2, 2, 6, 7 }, result["features"].shape);
        AssertClose(result["c"].relu(), result["features"], 0);
        var e = Assert.Throws<UnknownLayerException>(() => model.Extract(x, ["conv9"]));
        Assert.Contains("Unknown layer 'conv9' for model 'tiny'; valid layers: features, c, y", e.Message);
    }

    [Fact]
    public void FromOnnx_BadAlias_ThrowsModelLoadException()
    {
        var path = ConvRelu().Save();
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw,
            new OnnxImportOptions { LayerAliases = new Dictionary<string, string> { ["deep"] = "nowhere" } }));
        Assert.Contains("nowhere", e.Message);
    }

    [Fact]
    public void GetMinimumInputSize_TwoUnpaddedConvs_NeedsFivePixels()
    {
        var model = ConvRelu()
            .Init("w2", [.. Enumerable.Repeat(0.1f, 2 * 2 * 3 * 3)], 2, 2, 3, 3)
            .Node("Conv", ["y", "w2"], ["z"], name: "conv2");
        using var extractor = DreamModels.FromOnnx(model.Save(), Preprocessing.Raw);
        Assert.Equal(3, extractor.GetMinimumInputSize(["y"]));
        Assert.Equal(5, extractor.GetMinimumInputSize(["z"]));
        Assert.Equal(5, extractor.GetMinimumInputSize(["y", "z"]));
        var layers = extractor.ListLayers(4, 4);
        Assert.Equal(new long[] { 1, 2, 2, 2 }, layers.Single(l => l.Name == "y").Shape);
        Assert.Empty(layers.Single(l => l.Name == "z").Shape);
        Assert.Equal(1, layers.Single(l => l.Name == "z").Channels);
    }

    [Fact]
    public void Extract_AppliesPreprocessing()
    {
        var model = new OnnxTestWriter().Input("x").Output("y").Node("Identity", ["x"], ["y"]);
        using var extractor = DreamModels.FromOnnx(model.Save(), new Preprocessing([1f, 2f, 3f], [2f, 2f, 2f], bgr: true, scale: 10f));
        using var scope = NewDisposeScope();
        var rgb = tensor(new[] { 0.1f, 0.2f, 0.3f }).reshape(1, 3, 1, 1);
        // BGR order: (10·0.3 − 1)/2, (10·0.2 − 2)/2, (10·0.1 − 3)/2.
        var y = Values(extractor.Extract(rgb, ["y"])["y"]);
        Assert.Equal(1f, y[0], 5);
        Assert.Equal(0f, y[1], 5);
        Assert.Equal(-1f, y[2], 5);
    }

    [Fact]
    public void ChannelsLastOption_GivesTheSameValues()
    {
        using var scope = NewDisposeScope();
        var x = rand(1, 3, 7, 6, generator: new Generator(13));
        var standard = Run(ConvRelu(), x);
        var nhwc = Run(ConvRelu(), x, options: new OnnxImportOptions { ChannelsLast = true });
        AssertClose(standard, nhwc, 1e-6);
    }

    [Fact]
    public void Extract_StopsAfterTheDeepestRequestedLayer()
    {
        // The Reshape after 'y' cannot work for this input; asking only for 'y' must not run it.
        var model = ConvRelu().InitLongs("bad", [7, 7, 7], 3).Node("Reshape", ["y", "bad"], ["z"]);
        using var extractor = DreamModels.FromOnnx(model.Save(), Preprocessing.Raw);
        using var scope = NewDisposeScope();
        var x = rand(1, 3, 5, 5, generator: new Generator(14));
        Assert.Equal(new long[] { 1, 2, 3, 3 }, extractor.Extract(x, ["y"])["y"].shape);
        Assert.ThrowsAny<Exception>(() => extractor.Extract(x, ["z"]));
    }

    [Fact]
    public void ToAndDispose_BehaveAsDocumented()
    {
        var extractor = DreamModels.FromOnnx(ConvRelu().Save(), Preprocessing.Raw);
        Assert.Same(extractor, extractor.To(CPU));
        using (var scope = NewDisposeScope())
            Assert.Equal(new long[] { 1, 2, 2, 2 }, extractor.Extract(rand(1, 3, 4, 4), ["y"])["y"].shape);
        extractor.Dispose();
        using var scope2 = NewDisposeScope();
        Assert.Throws<ObjectDisposedException>(() => extractor.Extract(rand(1, 3, 4, 4), ["y"]));
    }

    [Fact]
    public void PerActivationBatchNorm_IsRejectedAtLoad()
    {
        var path = new OnnxTestWriter(opset: 7).Input("x").Output("y")
            .Init("g", [1f], 1).Init("b", [0f], 1).Init("m", [0f], 1).Init("v", [1f], 1)
            .Node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], name: "bn0", attributes: [("spatial", 0L)]).Save();
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains("'bn0'", e.Message);
        Assert.Contains("spatial=0", e.Message);
    }

    [Fact]
    public void SecondGraphInput_IsRejectedWithAnExplanation()
    {
        var path = new OnnxTestWriter().Input("x").Input("mask").Output("y").Node("Mul", ["x", "mask"], ["y"], name: "masking").Save();
        var e = Assert.Throws<ModelLoadException>(() => DreamModels.FromOnnx(path, Preprocessing.Raw));
        Assert.Contains("'mask'", e.Message);
        Assert.Contains("single image input", e.Message);
    }

    [Fact]
    public void Extract_ShapeErrorInTheGraph_BecomesADeepDreamExceptionNamingTheModelAndSize()
    {
        // A Reshape to a fixed element count works only at the export size (2×2), like graphs exported without dynamic axes.
        var path = new OnnxTestWriter().Input("x").Output("y")
            .InitLongs("shape", [1, 12], 2)
            .Node("Reshape", ["x", "shape"], ["y"])
            .Save("fixed-reshape.onnx");
        using var extractor = DreamModels.FromOnnx(path, Preprocessing.Raw, new OnnxImportOptions { ChannelsLast = false });
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 1, 12 }, extractor.Extract(zeros(1, 3, 2, 2), ["y"])["y"].shape);
        var error = Assert.Throws<DeepDreamException>(() => extractor.Extract(zeros(1, 3, 3, 5), ["y"]));
        Assert.Contains("fixed-reshape", error.Message);
        Assert.Contains("5×3 input", error.Message);
    }
}
