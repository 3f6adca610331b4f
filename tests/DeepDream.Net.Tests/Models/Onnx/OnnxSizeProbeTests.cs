using DeepDream.Features;
using DeepDream.Models.Onnx;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>The minimum-size probe of ONNX models: fixed-size layers, mismatched graphs, and its memory bound.</summary>
public sealed class OnnxSizeProbeTests
{
    private static float[] Seq(int n) => [.. Enumerable.Range(0, n).Select(i => (i % 5 - 2) * 0.1f)];

    /// <summary>conv (3→2, 3×3, no pad) then a classifier flattened to the constant shape [1, 72]: fixed to 8×8 inputs.</summary>
    private static OnnxTestWriter FixedHead() => new OnnxTestWriter().Input("x", 1, 3, 8, 8).Output("logits")
        .Init("w", Seq(2 * 3 * 9), 2, 3, 3, 3).InitLongs("shape", [1, 72], 2).Init("fc", Seq(72 * 4), 72, 4)
        .Node("Conv", ["x", "w"], ["conv"], name: "conv1")
        .Node("Reshape", ["conv", "shape"], ["flat"], name: "flatten")
        .Node("MatMul", ["flat", "fc"], ["logits"], name: "fc");

    [Fact]
    public void FixedSizeLayer_IsListedAsFixedNotTooSmall_AndItsMinimumSizeExplainsWhy()
    {
        using var model = DreamModels.FromOnnx(FixedHead().Save(), Preprocessing.Raw);
        var at10 = model.ListLayers(10, 10).ToDictionary(l => l.Name);
        Assert.Equal(new long[] { 1, 2, 8, 8 }, at10["conv"].Shape);
        Assert.Empty(at10["logits"].Shape);
        Assert.Equal((8, 8), at10["logits"].FixedInputSize);
        Assert.Equal((8, 8), at10["flat"].FixedInputSize);
        Assert.Null(at10["conv"].FixedInputSize);
        // At the export size everything computes; below the conv's 3 pixels nothing does, and that is "too small".
        Assert.Equal(new long[] { 1, 4 }, model.ListLayers(8, 8).Single(l => l.Name == "logits").Shape);
        var at2 = model.ListLayers(2, 2).Single(l => l.Name == "conv");
        Assert.Empty(at2.Shape);
        Assert.Null(at2.FixedInputSize);

        Assert.Equal(3, model.GetMinimumInputSize(["conv"]));
        var e = Assert.Throws<ModelLoadException>(() => model.GetMinimumInputSize(["logits"]));
        Assert.Contains("Layer 'logits' of 'model' computes only at the model's export size 8×8", e.Message);
        Assert.Contains("dream on an earlier layer", e.Message);
        using var scope = NewDisposeScope();
        var run = Assert.Throws<DeepDreamException>(() => model.Extract(zeros(1, 3, 9, 12), ["logits"]));
        Assert.Contains("computes only at the model's export size 8×8", run.Message);
        Assert.Equal(new long[] { 1, 4 }, model.Extract(zeros(1, 3, 8, 8), ["logits"])["logits"].shape);
    }

    [Fact]
    public void ConvWeightForFiveChannelsOnAThreeChannelInput_IsReportedAsThatMismatch()
    {
        var path = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y").Init("w", Seq(4 * 5 * 9), 4, 5, 3, 3)
            .Node("Conv", ["x", "w"], ["y"], name: "conv1").Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
        var e = Assert.Throws<ModelLoadException>(() => model.GetMinimumInputSize(["y"]));
        Assert.Equal(
            "Layer 'y' of 'model' cannot be computed at any input size: Conv node 'conv1': its weight [4, 5, 3, 3] (group 1) " +
            "expects 5 input channels, but its input has 3 (shape [1, 3, 64, 64]).", e.Message);
        using var scope = NewDisposeScope();
        var run = Assert.Throws<DeepDreamException>(() => model.Extract(zeros(1, 3, 16, 16), ["y"]));
        Assert.Contains("expects 5 input channels, but its input has 3", run.Message);
    }

    /// <summary>1×1 conv to 512 channels (8 MB of activations at 64²), then a reshape to [1, 1000], which no input size fits.</summary>
    internal static string NeverComputingWideModel() => new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
        .Init("w", Seq(512 * 3), 512, 3, 1, 1).InitLongs("shape", [1, 1000], 2)
        .Node("Conv", ["x", "w"], ["wide"]).Node("Reshape", ["wide", "shape"], ["y"], name: "reshape7").Save();

    [Fact]
    public void LayerThatNeverComputes_StopsAtTheMemoryBudget_AndSaysSo()
    {
        using var model = DreamModels.FromOnnx(NeverComputingWideModel(), Preprocessing.Raw);
        var e = Assert.Throws<ModelLoadException>(() => model.GetMinimumInputSize(["y"]));
        Assert.StartsWith("Layer 'y' of 'model' cannot be computed for any square input from 1 to ", e.Message);
        Assert.Contains("(the largest size whose activations fit the probe's 512 MB budget)", e.Message);
        Assert.Contains("node 'reshape7' (Reshape) fails on a ", e.Message);
    }

    [Fact]
    public void LayerNames_LeaveOutShapeArithmetic()
    {
        // y = reshape(relu(x), [shape(relu(x))[0], -1]): 'shape', 'batch' and 'target' are integers, not layers.
        var path = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
            .InitLongs("zero", [0], 1).InitLongs("minusOne", [-1], 1)
            .Node("Relu", ["x"], ["r"]).Node("Shape", ["r"], ["shape"]).Node("Gather", ["shape", "zero"], ["batch"])
            .Node("Concat", ["batch", "minusOne"], ["target"], attributes: [("axis", 0L)]).Node("Reshape", ["r", "target"], ["y"]).Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
        Assert.Equal(["r", "y"], model.LayerNames);
        Assert.Equal(["r", "y"], model.ListLayers(5, 4).Select(l => l.Name));
        Assert.Equal(new long[] { 1, 60 }, model.ListLayers(5, 4)[1].Shape);
    }

    [Theory]
    [InlineData(4L)] // PyTorch 2.6 writes the merge as [1, 4, 8, 8]
    [InlineData(-1L)] // PyTorch 1.13 writes [1, -1, 8, 8]
    public void StaticChannelShuffle_RunsAtOtherSizes_WithTheSameShuffle(long mergedChannels)
    {
        // Exported at 8×8: reshape to the constants [1, 2, 2, 8, 8], swap the group axes, reshape to [1, 4, 8, 8].
        var path = new OnnxTestWriter().Input("x", 1, 3, 8, 8).Output("y")
            .Init("w", Seq(4 * 3), 4, 3, 1, 1).InitLongs("split", [1, 2, 2, 8, 8], 5).InitLongs("merge", [1, mergedChannels, 8, 8], 4)
            .Node("Conv", ["x", "w"], ["c"]).Node("Reshape", ["c", "split"], ["groups"])
            .Node("Transpose", ["groups"], ["swapped"], attributes: [("perm", new long[] { 0, 2, 1, 3, 4 })])
            .Node("Reshape", ["swapped", "merge"], ["y"]).Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
        Assert.Equal(1, model.GetMinimumInputSize(["y"]));
        Assert.Null(model.ListLayers(12, 10).Single(l => l.Name == "y").FixedInputSize);
        using var scope = NewDisposeScope();
        var x = rand(1, 3, 10, 12, generator: new TorchSharp.torch.Generator(3));
        var result = model.Extract(x, ["c", "y"]);
        var c = result["c"];
        Assert.Equal(new long[] { 1, 4, 10, 12 }, result["y"].shape);
        // Channel order after the shuffle: 0, 2, 1, 3.
        OnnxTestRunner.AssertClose(c.index_select(1, tensor(new long[] { 0, 2, 1, 3 })), result["y"], 0);
    }

    /// <summary>Height and width are dynamic, but adding a [1, 1, 224, 224] embedding only works at 224×224 (like ViT).</summary>
    private static string PositionalEmbeddingModel() => new OnnxTestWriter().Input("x", 1, 3, null, null).Output("y")
        .Init("w", Seq(2 * 3), 2, 3, 1, 1).Init("position", [.. Enumerable.Range(0, 224 * 224).Select(i => i % 7 * 0.1f)], 1, 1, 224, 224)
        .Node("Conv", ["x", "w"], ["c"]).Node("Add", ["c", "position"], ["y"]).Save();

    [Fact]
    public void DynamicExportWithAPositionalEmbedding_IsFixedAt224()
    {
        var path = PositionalEmbeddingModel();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
        var layers = model.ListLayers(100, 60).ToDictionary(l => l.Name);
        Assert.Equal((224, 224), layers["y"].FixedInputSize);
        Assert.Null(layers["c"].FixedInputSize);
        Assert.Equal(1, model.GetMinimumInputSize(["c"]));
        var e = Assert.Throws<ModelLoadException>(() => model.GetMinimumInputSize(["y"]));
        Assert.Contains("Layer 'y' of 'model' computes only at 224×224", e.Message);
    }

    [Fact]
    public void ResizeForFixedSizeLayers_RunsThemOnTheResizedImage_WithGradientsToTheFullImage()
    {
        using var model = DreamModels.FromOnnx(PositionalEmbeddingModel(), Preprocessing.Raw, new OnnxImportOptions { ResizeForFixedSizeLayers = true });
        Assert.Equal(1, model.GetMinimumInputSize(["y"]));
        using var scope = NewDisposeScope();
        var x = rand(1, 3, 60, 100, generator: new TorchSharp.torch.Generator(5)).requires_grad_(true);
        var y = model.Extract(x, ["y"])["y"];
        Assert.Equal(new long[] { 1, 2, 224, 224 }, y.shape);
        // Exactly the model applied to the bilinear resize of the image.
        var resized = nn.functional.interpolate(x.detach(), [224, 224], mode: InterpolationMode.Bilinear, align_corners: false);
        var expected = model.Extract(resized, ["y"])["y"];
        OnnxTestRunner.AssertClose(expected, y.detach(), 1e-6);
        y.sum().backward();
        Assert.Equal(new long[] { 1, 3, 60, 100 }, x.grad!.shape);
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
        // Layers that compute at any size are not resized.
        Assert.Equal(new long[] { 1, 2, 60, 100 }, model.Extract(x.detach(), ["c"])["c"].shape);
    }
}
