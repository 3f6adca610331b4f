using DeepDream.Features;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>
/// Listing the layers of a long ONNX chain and finding its default layer take one shape probe that skips the
/// element-wise operators: no tensor work per node, so seconds instead of a minute for tens of thousands of nodes.
/// </summary>
public sealed class OnnxLongChainListingTests
{
    private static float[] Seq(int n) => [.. Enumerable.Range(0, n).Select(i => (i % 5 - 2) * 0.1f)];

    [Fact]
    public void LongElementwiseChain_LayersAndDefaultLayer_TakeOneProbeThatComputesOnlyTheConv()
    {
        // conv 3→8 (pad 1), then 20,000 alternating Relu / Identity / Add(bias) nodes.
        const int n = 20_000;
        var writer = new OnnxTestWriter().Input("x", 1, 3, null, null).Output($"v{n}")
            .Init("w", Seq(8 * 3 * 9), 8, 3, 3, 3).Init("bias", Seq(8), 1, 8, 1, 1)
            .Node("Conv", ["x", "w"], ["v0"], name: "conv", attributes: [("pads", new long[] { 1, 1, 1, 1 })]);
        for (var i = 1; i <= n; i++)
        {
            var input = $"v{i - 1}";
            if (i % 3 == 0) writer.Node("Add", [input, "bias"], [$"v{i}"]);
            else writer.Node(i % 3 == 1 ? "Relu" : "Identity", [input], [$"v{i}"]);
        }
        using var model = DreamModels.FromOnnx(writer.Save(), Preprocessing.Raw);

        var layers = model.ListLayers(224, 224);
        Assert.Equal(n + 1, layers.Count);
        Assert.All(layers, l => Assert.Equal(new long[] { 1, 8, 224, 224 }, l.Shape));
        Assert.Equal($"v{n}", model.DefaultLayer);
        // The layer names, the listing and the default layer share one probe at 224×224, which computes one operator.
        Assert.Equal((1, 1L), model.ProbeWork);

        // Another size: one more probe, plus the fixed-size check's one at 256×256 (every layer computes there).
        Assert.Equal(new long[] { 1, 8, 80, 100 }, model.ListLayers(100, 80)[^1].Shape);
        Assert.Equal((3, 3L), model.ProbeWork);
    }

    [Fact]
    public void ShapeProbe_SkipsOnlyOperatorsThatKeepTheShapeAndType()
    {
        // mask = c < 0 is boolean (not a layer); small + c broadcasts the 1×8×1×1 constant up to c's shape; flat = c·m
        // (MatMul) changes the last side. None of them may be taken for an alias of its first input.
        var path = new OnnxTestWriter().Input("x", 1, 3, null, null).Output("flat").Output("mask")
            .Init("w", Seq(8 * 3 * 9), 8, 3, 3, 3).Init("small", Seq(8), 1, 8, 1, 1).Init("zero", [0f], 1).Init("m", Seq(3 * 2), 3, 2)
            .Node("Conv", ["x", "w"], ["c"])
            .Node("Less", ["c", "zero"], ["mask"])
            .Node("Add", ["small", "c"], ["sum"])
            .Node("Relu", ["sum"], ["r"])
            .Node("MatMul", ["r", "m"], ["flat"]).Save();
        using var model = DreamModels.FromOnnx(path, Preprocessing.Raw);
        var layers = model.ListLayers(5, 7).ToDictionary(l => l.Name, l => l.Shape);
        Assert.DoesNotContain("mask", layers.Keys);
        Assert.Equal(new long[] { 1, 8, 5, 3 }, layers["sum"]);
        Assert.Equal(new long[] { 1, 8, 5, 3 }, layers["r"]);
        Assert.Equal(new long[] { 1, 8, 5, 2 }, layers["flat"]);
    }
}
