using DeepDream.Regularizers;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Regularizers;

public sealed class JitterRegularizerTests
{
    [Fact]
    public void Roll_MovesPixelsCircularly_AndInvertIsExact()
    {
        using var scope = NewDisposeScope();
        var image = arange(1 * 3 * 4 * 5, dtype: ScalarType.Float32).reshape(1, 3, 4, 5);
        var step = new JitterRegularizer.RollStep(Dx: 2, Dy: -1);

        var rolled = step.Apply(image);

        // Pixel (y, x) moves to ((y - 1) mod 4, (x + 2) mod 5).
        Assert.Equal(image[0, 1, 2, 4].item<float>(), rolled[0, 1, 1, 1].item<float>());
        Assert.Equal(image[0, 2, 0, 0].item<float>(), rolled[0, 2, 3, 2].item<float>());
        Assert.True(step.Invert(rolled).eq(image).all().item<bool>());
    }

    [Fact]
    public void Sample_DrawsDxThenDy_FromTheGivenGenerator_WithinRange()
    {
        var jitter = new JitterRegularizer(3);
        var random = new Random(5);
        var reference = new Random(5);
        var seen = new HashSet<int>();
        for (var i = 0; i < 200; i++)
        {
            var step = Assert.IsType<JitterRegularizer.RollStep>(jitter.Sample(random));
            Assert.Equal(reference.Next(-3, 4), step.Dx);
            Assert.Equal(reference.Next(-3, 4), step.Dy);
            seen.Add(step.Dx);
        }
        Assert.Equal(7, seen.Count); // every shift in [-3, 3] occurs
    }

    [Fact]
    public void NegativeShift_IsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new JitterRegularizer(-1));
        Assert.Equal("maxShift", error.ParamName);
    }

    [Fact]
    public void RandomFlip_FlipsWithProbabilityOne_AndInverts()
    {
        using var scope = NewDisposeScope();
        var image = arange(6, dtype: ScalarType.Float32).reshape(1, 1, 2, 3);
        var step = new RandomFlipRegularizer(1).Sample(new Random(1));
        var flipped = step.Apply(image);
        Assert.Equal(new float[] { 2, 1, 0, 5, 4, 3 }, flipped.data<float>().ToArray());
        Assert.True(step.Invert(flipped).eq(image).all().item<bool>());
        Assert.True(new RandomFlipRegularizer(0).Sample(new Random(1)).Apply(image).eq(image).all().item<bool>());
    }
}
