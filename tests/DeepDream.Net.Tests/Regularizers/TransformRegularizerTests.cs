using DeepDream.Regularizers;
using DeepDream.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Regularizers;

/// <summary>Scale, rotate and blur: exact values on tiny tensors, inverse behaviour, seeded sampling, and a dream with each.</summary>
public sealed class TransformRegularizerTests
{
    private static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    private static void Close(float[] expected, Tensor actual, float tolerance = 1e-6f)
    {
        var got = Values(actual);
        Assert.Equal(expected.Length, got.Length);
        for (var i = 0; i < got.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) <= tolerance, $"[{i}] expected {expected[i]}, got {got[i]}");
    }

    [Fact]
    public void Scale_Doubling_GivesBilinearValues_AndInvertRestoresTheSize()
    {
        using var scope = NewDisposeScope();
        var image = tensor(new float[] { 1, 2, 3, 4 }).reshape(1, 1, 2, 2);
        var step = new ScaleRegularizer.ScaleStep(2.0);
        var scaled = step.Apply(image);
        Assert.Equal([1L, 1, 4, 4], scaled.shape);
        // Half-pixel-centred bilinear (align_corners = false), edges clamped.
        Close([1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4], scaled);
        var back = step.Invert(scaled);
        Assert.Equal([1L, 1, 2, 2], back.shape);
        // Down by 2 samples between pixel pairs: the mean of each 2×2 block of the scaled image.
        Close([1.375f, 2.125f, 2.875f, 3.625f], back);
    }

    [Fact]
    public void Scale_FactorOne_IsTheIdentity_AndSamplingIsSeededAndInRange()
    {
        using var scope = NewDisposeScope();
        var image = rand(1, 3, 7, 5);
        var identity = new ScaleRegularizer.ScaleStep(1.0);
        Assert.True(identity.Invert(identity.Apply(image)).eq(image).all().item<bool>());
        var regularizer = new ScaleRegularizer(0.9, 1.2);
        var a = Enumerable.Range(0, 50).Select(_ => ((ScaleRegularizer.ScaleStep)regularizer.Sample(new Random(3))).Factor).Distinct().ToArray();
        Assert.Single(a); // same seed, same factor
        var random = new Random(8);
        var factors = Enumerable.Range(0, 200).Select(_ => ((ScaleRegularizer.ScaleStep)regularizer.Sample(random)).Factor).ToArray();
        Assert.All(factors, f => Assert.InRange(f, 0.9, 1.2));
        Assert.True(factors.Max() - factors.Min() > 0.2);
        Assert.Equal(0.9, regularizer.MinimumScale);
        Assert.Equal(1.0, new ScaleRegularizer(1.1, 1.3).MinimumScale);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaleRegularizer(1.2, 1.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaleRegularizer(0, 1.1));
        Assert.Throws<InvalidOperationException>(() => new ScaleRegularizer.ScaleStep(2).Invert(image));
    }

    [Fact]
    public void Rotate_QuarterTurn_OnASquare_MovesPixelsExactly_AndBackAgain()
    {
        using var scope = NewDisposeScope();
        var image = arange(9, dtype: ScalarType.Float32).reshape(1, 1, 3, 3); // 0 1 2 / 3 4 5 / 6 7 8
        var step = new RotateRegularizer.RotateStep(90);
        var turned = step.Apply(image);
        // Clockwise on screen: the left column (0 3 6) becomes the top row, read bottom-up (6 3 0).
        Close([6, 3, 0, 7, 4, 1, 8, 5, 2], turned, 1e-5f);
        Close(Values(image), step.Invert(turned), 1e-5f);
        Close([2, 5, 8, 1, 4, 7, 0, 3, 6], new RotateRegularizer.RotateStep(-90).Apply(image), 1e-5f);
    }

    [Fact]
    public void Rotate_SmallAngle_InvertIsCloseToIdentityInTheMiddle_AndCornersGetNoUpdate()
    {
        using var scope = NewDisposeScope();
        // A smooth image: bilinear rotation there and back only blurs it slightly.
        var ys = arange(32, dtype: ScalarType.Float32).view(1, 1, 32, 1);
        var xs = arange(40, dtype: ScalarType.Float32).view(1, 1, 1, 40);
        var image = (ys * 0.05f).sin() + (xs * 0.07f).cos();
        var step = new RotateRegularizer.RotateStep(7);
        var roundTrip = step.Invert(step.Apply(image));
        var middle = roundTrip.narrow(2, 8, 16).narrow(3, 10, 20) - image.narrow(2, 8, 16).narrow(3, 10, 20);
        Assert.True(middle.abs().max().item<float>() < 0.01f, $"max error {middle.abs().max().item<float>()}");
        // Invert fills with zeros where the rotated frame did not reach: the update leaves those corners alone.
        var ones = ones_like(image);
        Assert.Equal(0f, step.Invert(ones)[0, 0, 0, 0].item<float>(), 6);
        Assert.Equal(1f, step.Invert(ones)[0, 0, 16, 20].item<float>(), 5);
        Assert.True(new RotateRegularizer.RotateStep(0).Apply(image).eq(image).all().item<bool>());
    }

    [Fact]
    public void Rotate_SamplesSignedAnglesWithinRange()
    {
        var regularizer = new RotateRegularizer(10);
        var random = new Random(1);
        var angles = Enumerable.Range(0, 200).Select(_ => ((RotateRegularizer.RotateStep)regularizer.Sample(random)).Degrees).ToArray();
        Assert.All(angles, a => Assert.InRange(a, -10, 10));
        Assert.True(angles.Min() < -8 && angles.Max() > 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotateRegularizer(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RotateRegularizer(181));
    }

    [Fact]
    public void Blur_OfAnImpulse_IsTheSeparableGaussian_AndConstantsStay()
    {
        using var scope = NewDisposeScope();
        var kernel = BlurRegularizer.Kernel(1.0);
        Assert.Equal(7, kernel.Length); // radius ⌈3σ⌉ = 3
        Assert.Equal(1.0, kernel.Sum(), 12);
        Assert.Equal(Math.Exp(-0.5) * kernel[3], kernel[2], 12);
        var impulse = zeros(1, 2, 9, 9);
        impulse[0, 1, 4, 4] = tensor(1f);
        var step = new BlurRegularizer(1.0).Sample(new Random(1));
        Assert.True(step.Apply(impulse).eq(impulse).all().item<bool>()); // the model sees the image as it is
        var blurred = step.Invert(impulse);
        for (var dy = -3; dy <= 3; dy++)
            for (var dx = -3; dx <= 3; dx++)
                Assert.Equal((float)(kernel[dy + 3] * kernel[dx + 3]), blurred[0, 1, 4 + dy, 4 + dx].item<float>(), 6);
        Assert.Equal(0f, blurred[0, 0].abs().max().item<float>()); // channels stay apart
        var constant = full(1, 3, 5, 4, 0.25f);
        Close(Values(constant), step.Invert(constant));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlurRegularizer(0));
    }

    [Theory]
    [InlineData("scale")]
    [InlineData("rotate")]
    [InlineData("blur")]
    public void Dream_WithEachTransform_IsDeterministicPerSeed_AndDiffersFromPlain(string kind)
    {
        using var model = new TinyExtractor();
        IRegularizer regularizer = kind switch
        {
            "scale" => new ScaleRegularizer(0.8, 1.25),
            "rotate" => new RotateRegularizer(15),
            _ => new BlurRegularizer(1.5),
        };
        byte[] Dream(IRegularizer? extra, int seed)
        {
            var builder = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Octaves(2).Steps(3).Seed(seed).StepSize(0.02);
            if (extra is not null) builder.AddRegularizer(extra);
            using var dreamer = builder.Build();
            using var input = TestImages.Noise(24, 20);
            using var output = dreamer.Run(input);
            return TestImages.Bytes(output);
        }
        var first = Dream(regularizer, 4);
        Assert.Equal(first, Dream(regularizer, 4));
        Assert.NotEqual(Dream(null, 4), first);
    }

    [Fact]
    public void ShrinkingScale_RaisesTheDreamersMinimumSize()
    {
        using var model = new TinyExtractor(); // conv2 needs 2 px
        using var plain = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Build();
        using var scaled = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").AddRegularizer(new ScaleRegularizer(0.3, 1)).Build();
        Assert.Equal(2, plain.MinimumSize);
        Assert.Equal(7, scaled.MinimumSize); // ⌈2 / 0.3⌉
    }
}
