using DeepDream.Diagnostics;
using DeepDream.Features;
using DeepDream.Schedules;
using DeepDream.Tests.TestSupport;

namespace DeepDream.Tests.Diagnostics;

/// <summary>
/// NaN or infinite pixels: in bfloat16 the message blames bfloat16 and points to float32 (the elementwise fixture's
/// <c>1/(x + 0.5)</c> divides by an <c>x + 0.5</c> that bfloat16 rounds to exactly 0); in float32 it is unchanged.
/// </summary>
public sealed class NonFiniteErrorsTests
{
    private static readonly string Elementwise = Path.Combine(AppContext.BaseDirectory, "TestData", "onnx-ops", "elementwise-torch2.6-opset17.onnx");

    private static DeepDreamException? Dream(Precision precision)
    {
        using var model = DreamModels.FromOnnx(Elementwise, Preprocessing.ImageNet);
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("/Reciprocal_output_0")
            .Octaves(2).Steps(2).Seed(1).Precision(precision).Build();
        using var input = TestImages.Noise(96, 64);
        try
        {
            using (dreamer.Run(input)) { }
            return null;
        }
        catch (DeepDreamException e)
        {
            return e;
        }
    }

    [Fact]
    public void BFloat16Dream_DividingByARoundedZero_SaysBFloat16AndPointsToFloat32()
    {
        var e = Dream(Precision.BFloat16);
        Assert.NotNull(e);
        Assert.StartsWith("The dream with 'elementwise-torch2.6-opset17' produced NaN or infinite pixels in octave ", e.Message);
        Assert.Contains("the network ran in bfloat16", e.Message);
        Assert.Contains("use Precision.Float32", e.Message);
        Assert.DoesNotContain("--", e.Message); // the library never names CLI options
    }

    [Fact]
    public void Float32Dream_OfTheSameModel_IsFinite()
    {
        Assert.Null(Dream(Precision.Float32));
    }

    [Fact]
    public void Float32Message_IsUnchanged()
    {
        var e = NonFiniteErrors.Pixels("m", Precision.Float32, 2, new OctaveSize(30, 20));
        Assert.Equal("The dream with 'm' produced NaN or infinite pixels in octave 2 (30×20): the objective's weights or the model's preprocessing overflow float32, or the model computes NaN. Use smaller weights or check the preprocessing mean/std.", e.Message);
    }
}
