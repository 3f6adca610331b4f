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
}
