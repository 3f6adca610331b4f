using CsCheck;
using DeepDream.Tests.TestSupport;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Engine;

/// <summary>
/// Random image sizes (1..300 px a side) and random valid or invalid settings through the real embedded ResNet18: the only
/// outcomes are a dreamed image of the input's size or one of the documented exceptions; never a native error.
/// </summary>
public sealed class DreamPropertyTests(SharedResNet18 resnet) : IClassFixture<SharedResNet18>
{
    private static readonly string[] Layers = ["stem", "layer1", "layer2", "layer3", "layer4", "no-such-layer"];

    [Fact]
    public void RandomSizesAndSettings_GiveAnImageOfTheInputSizeOrADocumentedException()
    {
        var gen = Gen.Select(Gen.Int[1, 300], Gen.Int[1, 300], Gen.Int[-1, 3], Gen.Double[0.5, 3.0])
            .Select(Gen.Int[-1, 2], Gen.Int[0, Layers.Length - 1], Gen.Int[-2, 40], Gen.Int[0, 1000]);

        gen.Sample(t =>
        {
            var ((width, height, octaves, scale), steps, layer, jitter, seed) = t;
            using var input = TestImages.Noise(width, height, seed);
            try
            {
                using var dreamer = new DreamBuilder().UseModel(resnet.Model, ownsModel: false)
                    .Octaves(octaves).OctaveScale(scale).Steps(steps).Layer(Layers[layer]).Jitter(jitter).Seed(seed).Build();
                using var output = dreamer.Run(input);
                Assert.Equal((width, height), (output.Width, output.Height));
            }
            catch (ArgumentOutOfRangeException e) when (octaves < 1 || !(scale > 1) || steps < 1 || jitter < 0)
            {
                Assert.NotNull(e.ParamName);
            }
            catch (ArgumentException e) when (Layers[layer] == "no-such-layer")
            {
                Assert.Contains("valid layers: stem, layer1", e.Message);
            }
            catch (ImageTooSmallException e)
            {
                Assert.Contains($"{width}×{height}", e.Message);
            }
        }, iter: 25, threads: 1, seed: "0N0XIzNsQ0O2");
    }
}
