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

        var (index, scores) = GuidedObjective.Match(activation, guide);

        Assert.Equal(new long[] { 0, 1, 2, 1 }, index.data<long>().ToArray());
        Assert.Equal(new long[] { 4, 3 }, scores.shape);
        Assert.Equal(3f * 1 + 0.2f * 0, scores[0, 0].item<float>());
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
