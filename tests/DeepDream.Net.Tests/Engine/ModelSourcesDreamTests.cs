using DeepDream.Imaging;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace DeepDream.Tests.Engine;

/// <summary>Every model source dreams through the same builder; the real model is safe under concurrency and repetition.</summary>
public sealed class ModelSourcesDreamTests(SharedResNet18 resnet) : IClassFixture<SharedResNet18>
{
    [Fact]
    public void PyTorchStateDict_GoogLeNet_DreamsAtInception4c()
    {
        var weights = Path.Combine(AppContext.BaseDirectory, "TestData", "fixtures", "googlenet_seed0.pth");
        using var input = TestImages.LoadSmall("chelsea.png", 96);
        using var output = new DreamBuilder().UseModel(DeepDream.DreamModels.FromTorchVision("googlenet", weights))
            .Layer("inception4c").Octaves(2).Steps(2).Seed(1).Run(input);
        Assert.Equal((input.Width, input.Height), (output.Width, output.Height));
        Assert.True(TestImages.MeanAbsoluteDifference(input, output) > 0.002);
    }

    [Fact]
    public void ResNet18_FourThreadsOnOneDreamer_MatchSequentialRuns()
    {
        using var dreamer = new DreamBuilder().UseModel(resnet.Model, ownsModel: false).Octaves(2).Steps(2).Build();
        using var input = TestImages.LoadSmall("coffee.png", 72);
        int[] seeds = [10, 20, 30, 40];
        var sequential = seeds.Select(s => Pixels(dreamer, input, s)).ToArray();
        var concurrent = new byte[seeds.Length][];
        Parallel.For(0, seeds.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => concurrent[i] = Pixels(dreamer, input, seeds[i]));
        for (var i = 0; i < seeds.Length; i++) Assert.Equal(sequential[i], concurrent[i]);
    }

    private static byte[] Pixels(Dreamer dreamer, Image<Rgb24> input, int seed)
    {
        using var result = dreamer.Dream(input, new DreamRunOptions { Seed = seed });
        var bytes = new byte[result.Image.Width * result.Image.Height * 3];
        result.Image.CopyPixelDataTo(bytes);
        return bytes;
    }
}
