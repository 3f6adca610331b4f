using DeepDream.Features;
using DeepDream.Imaging;
using DeepDream.Objectives;
using DeepDream.Tests.TestSupport;
using static TorchSharp.torch;

namespace DeepDream.Tests.Objectives;

public sealed class ChannelRankingTests
{
    [Fact]
    public void Strongest_RanksChannelsByMeanSquaredActivation()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyExtractor(seed: 5);
        using var image = TestImages.Noise(20, 14, seed: 9);
        var activation = model.Extract(ImageTensor.ToTensor(image), ["conv2"])["conv2"];
        var strength = Enumerable.Range(0, 6).Select(c => activation[0, c].square().mean().item<float>()).ToArray();
        var expected = Enumerable.Range(0, 6).OrderByDescending(c => strength[c]).ToArray();

        Assert.Equal(expected.Take(3), ChannelRanking.Strongest(model, image, "conv2", 3));
        Assert.Equal(expected, ChannelRanking.Strongest(model, image, "conv2", 99)); // at most the layer's channels
        Assert.True(strength[expected[0]] > strength[expected[5]]);
    }

    [Fact]
    public void Strongest_ChecksItsArguments()
    {
        using var model = new TinyExtractor();
        using var image = TestImages.Noise(8, 8);
        Assert.Throws<UnknownLayerException>(() => ChannelRanking.Strongest(model, image, "conv9", 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelRanking.Strongest(model, image, "conv2", 0));
        using var tiny = TestImages.Noise(1, 1);
        Assert.Throws<ImageTooSmallException>(() => ChannelRanking.Strongest(model, tiny, "conv2", 2));
    }
}
