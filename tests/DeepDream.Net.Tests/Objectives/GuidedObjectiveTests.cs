using DeepDream.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Objectives;

public sealed class GuidedObjectiveTests
{
    [Fact]
    public void Match_PicksTheGuideColumnWithTheLargestDotProduct()
    {
        using var scope = NewDisposeScope();
        // Guide: three feature columns (C = 2): east, north, west.
        var guide = tensor(new float[] { 1, 0, -1, 0, 1, 0 }).reshape(2, 3);
        // Activation at 4 positions (1×2×1×4): mostly east, north, west, and (-0.5, 1) whose best match is north.
        var activation = tensor(new float[] { 3, 0.1f, -2, -0.5f, 0.2f, 5, 0.1f, 1 }).reshape(1, 2, 1, 4);

        var (index, best) = GuidedObjective.Match(activation, guide);

        Assert.Equal(new long[] { 0, 1, 2, 1 }, index.data<long>().ToArray());
        Assert.Equal(new[] { 3f, 5f, 2f, 1f }, best.data<float>().ToArray());
    }

    [Theory]
    [InlineData(3)]  // one position per block
    [InlineData(7)]  // two positions per block, the last block short
    [InlineData(12)] // everything at once
    public void Match_InBlocksOfPositions_GivesTheSameAnswer(long maxScores)
    {
        using var scope = NewDisposeScope();
        var guide = tensor(new float[] { 1, 0, -1, 0, 1, 0 }).reshape(2, 3);
        var activation = tensor(new float[] { 3, 0.1f, -2, -0.5f, 0.2f, 5, 0.1f, 1 }).reshape(1, 2, 1, 4);
        var (index, best) = GuidedObjective.Match(activation, guide, maxScores);
        Assert.Equal(new long[] { 0, 1, 2, 1 }, index.data<long>().ToArray());
        Assert.Equal(new[] { 3f, 5f, 2f, 1f }, best.data<float>().ToArray());
    }

    [Fact]
    public void LargeGuide_IsDownscaledToTheBudgetKeepingItsAspect()
    {
        // A 6000×4000 guide used to have its features computed whole (gigabytes at layer3); now at most 1024² pixels.
        using var guide = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(6000, 4000);
        var objective = new GuidedObjective("layer3", guide);
        Assert.Equal(new SixLabors.ImageSharp.Size(1254, 836), objective.GuideSize);
        Assert.True((long)objective.GuideSize.Width * objective.GuideSize.Height <= GuidedObjective.MaxGuidePixels);
        using var small = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(300, 200);
        Assert.Equal(new SixLabors.ImageSharp.Size(300, 200), new GuidedObjective("layer3", small).GuideSize);
    }

    [Fact]
    public void Gradient_IsTheChosenGuideColumnAtEveryPosition()
    {
        using var scope = NewDisposeScope();
        var guide = tensor(new float[] { 1, 0, -1, 0, 1, 0 }).reshape(2, 3);
        var activation = tensor(new float[] { 3, 0.1f, -2, -0.5f, 0.2f, 5, 0.1f, 1 }).reshape(1, 2, 1, 4);
        var (index, _) = GuidedObjective.Match(activation, guide);
        var gradient = guide.index_select(1, index).reshape(activation.shape);
        Assert.Equal(new float[] { 1, 0, -1, 0, 0, 1, 0, 1 }, gradient.data<float>().ToArray());
    }
}
