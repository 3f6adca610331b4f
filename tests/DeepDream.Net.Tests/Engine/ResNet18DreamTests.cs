using DeepDream.Imaging;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DeepDream.Tests.Engine;

/// <summary>The engine on a real photo with the embedded model.</summary>
public sealed class ResNet18DreamTests(SharedResNet18 resnet) : IClassFixture<SharedResNet18>
{
    [Fact]
    public void L2DreamAtLayer3_OnTheCatPhoto_RaisesTheLayerEnergyByHalf()
    {
        using var cat = TestImages.LoadSmall("chelsea.png", 160);
        using var dreamer = new DreamBuilder().UseModel(resnet.Model, ownsModel: false).Octaves(2).Steps(6).Seed(3).Build();
        using var result = dreamer.Dream(cat);

        var before = Layer3Energy(cat);
        var after = Layer3Energy(result.Image);
        Assert.True(after > 1.5 * before, $"½‖layer3‖² went from {before:G4} to {after:G4}");
        Assert.True(result.Octaves[^1].ObjectiveValue > result.Octaves[0].ObjectiveValue);

        // The picture changed visibly but is still the same picture: mean absolute change of one to a few percent after 12 steps.
        var change = TestImages.MeanAbsoluteDifference(cat, result.Image);
        Assert.InRange(change, 0.01, 0.25);
    }

    [Fact]
    public void SameSeed_OnTheRealModel_IsBitIdentical()
    {
        using var cat = TestImages.LoadSmall("chelsea.png", 96);
        using var dreamer = new DreamBuilder().UseModel(resnet.Model, ownsModel: false).Octaves(2).Steps(2).Seed(11).Build();
        using var a = dreamer.Run(cat);
        using var b = dreamer.Run(cat);
        Assert.Equal(0.0, TestImages.MeanAbsoluteDifference(a, b));
    }

    private double Layer3Energy(SixLabors.ImageSharp.Image<Rgb24> image)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = resnet.Model.Extract(ImageTensor.ToTensor(image), ["layer3"])["layer3"];
        return 0.5 * a.square().sum().item<float>();
    }
}
