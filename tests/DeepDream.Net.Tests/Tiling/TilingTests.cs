using DeepDream.Objectives;
using DeepDream.Tests.TestSupport;
using DeepDream.Tiling;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Tiling;

public sealed class TilingTests
{
    [Theory]
    [InlineData(300, 451, 128)]
    [InlineData(129, 1000, 128)]
    [InlineData(1000, 97, 64)]
    public void Plan_CoresCoverEveryPixelOnce_AndCropsFitTheTile(int height, int width, int tile)
    {
        var plan = TilePlan.Create(height, width, tile);
        foreach (var (spans, length) in new[] { (plan.Rows, height), (plan.Columns, width) })
        {
            Assert.Equal(0, spans[0].Start);
            Assert.Equal(length, spans[^1].End); // the last partial tile is not skipped
            for (var i = 1; i < spans.Count; i++) Assert.Equal(spans[i - 1].End, spans[i].Start);
            Assert.All(spans, s => Assert.InRange(s.CropLength, s.Length, tile));
            Assert.All(spans, s => Assert.True(s.CropStart <= s.Start && s.CropEnd >= s.End));
        }
    }

    [Fact]
    public void Plan_TileAtLeastTheImage_IsASingleTile()
    {
        Assert.True(TilePlan.Create(300, 451, 451).IsSingleTile);
        Assert.False(TilePlan.Create(300, 452, 451).IsSingleTile);
    }

    [Fact]
    public void TiledGradient_EqualsTheWholeImageGradient_WhenContextCoversTheReceptiveField()
    {
        // The tiny net's conv2 sees 7×7 pixels, so a core pixel's gradient depends on pixels at most 6 away; the tile
        // context (64 / 8 = 8 px) covers that, so the tiled gradient is the same up to float rounding.
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 2);
        using var evaluator = Objective.L2("conv2").Bind(model);
        var image = rand([1, 3, 150, 170], generator: new Generator(4));

        var (whole, wholeValue) = new GradientComputer(model, evaluator, ["conv2"], 1024).Compute(image, true);
        var (tiled, tiledValue) = new GradientComputer(model, evaluator, ["conv2"], 64).Compute(image, true);

        Assert.True(model.ExtractCalls > 1 + 4);
        Assert.True(tiled.allclose(whole, rtol: 1e-4, atol: 1e-5), $"max diff {(tiled - whole).abs().max().item<float>()}");
        Assert.True(tiledValue!.item<float>() > wholeValue!.item<float>() * 0.9);
    }

    [Fact]
    public void ReceptiveField_OfTheTinyNet_IsMeasuredExactly()
    {
        // conv1 is 3×3 (radius 1); conv2 a 3×3 stride-2 convolution on it, which sees 5×5 input pixels (radius 2).
        using var model = new TinyExtractor(seed: 2);
        Assert.Equal(1, ReceptiveField.Radius(model, ["conv1"], 64));
        Assert.Equal(2, ReceptiveField.Radius(model, ["conv2"], 64));
        Assert.Equal(2, ReceptiveField.Radius(model, ["conv1", "conv2"], 64));
        // A probe too small to hold the field cannot tell.
        Assert.Null(ReceptiveField.Radius(model, ["conv2"], 4));
    }

    [Fact]
    public void Plan_Context_IsNoMoreThanTheReceptiveFieldNeeds()
    {
        // 1024 px tiles carry 128 px of context; a radius-2 field needs 4, rounded up to the 32 px alignment.
        Assert.Equal(128, TilePlan.Create(3000, 3000, 1024).Context);
        Assert.Equal(32, TilePlan.Create(3000, 3000, 1024, receptiveRadius: 2).Context);
        Assert.Equal(224, TilePlan.ContextForReceptiveField(105, 1024)); // ResNet18 layer3: 2 × 105 → 224
        Assert.Equal(128, TilePlan.Create(3000, 3000, 1024, receptiveRadius: 105).Context); // never more than an eighth
        // Less context, larger cores: fewer tiles.
        Assert.True(TilePlan.Create(3000, 3000, 1024, receptiveRadius: 2).Columns.Count < TilePlan.Create(3000, 3000, 1024).Columns.Count);
    }

    [Fact]
    public void TiledGradient_WithContextFromTheMeasuredField_EqualsTheWholeImageGradient()
    {
        // 1024 px tiles over a 2100 px wide image: the context comes from the measured radius (2 → 32 px, not 128).
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 2);
        using var evaluator = Objective.L2("conv2").Bind(model);
        var image = rand([1, 3, 96, 2100], generator: new Generator(4));

        // As in a dream, which runs under no_grad (the probe must turn gradients on for itself).
        using var noGrad = no_grad();
        var (whole, _) = new GradientComputer(model, evaluator, ["conv2"], 4096).Compute(image, false);
        var before = model.ExtractCalls;
        var (tiled, _) = new GradientComputer(model, evaluator, ["conv2"], 1024).Compute(image, false);

        Assert.Equal(1 + 3, model.ExtractCalls - before); // the field probe, then three tiles
        Assert.True(tiled.allclose(whole, rtol: 1e-4, atol: 1e-5), $"max diff {(tiled - whole).abs().max().item<float>()}");
    }
}
