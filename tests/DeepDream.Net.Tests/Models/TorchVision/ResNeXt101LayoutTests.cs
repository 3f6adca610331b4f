using System.Text.Json;
using DeepDream.Models.TorchVision;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Models.TorchVision;

/// <summary>
/// ResNeXt-101 is built with torchvision's layout (ResNet101's [3, 4, 23, 3] grouped bottlenecks), not the ResNet50 layout
/// TorchSharp's TorchVision package uses for it, so real torchvision weight files load.
/// </summary>
/// <remarks>
/// The networks are built on the meta device (shapes without storage: 88 million parameters would take 350 MB and seconds
/// to initialise); that default device is process-wide, so these tests run alone, in the non-parallel collection.
/// </remarks>
[Collection(nameof(Engine.ProcessMemoryCollection))]
public sealed class ResNeXt101LayoutTests
{
    /// <summary>torchvision 0.21's state-dict key → shape for both variants (tools/model-check/state_dict_shapes.py).</summary>
    private static readonly Dictionary<string, Dictionary<string, long[]>> s_torchvision =
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, long[]>>>(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "torchvision", "resnext101_state_dict_shapes.json")))!;

    [Theory]
    [InlineData("resnext101_32x8d")]
    [InlineData("resnext101_64x4d")]
    public void StateDict_HasTorchVisionKeysAndShapes(string architecture)
    {
        var previous = get_default_device();
        Dictionary<string, long[]> ours;
        try
        {
            set_default_device(new Device(DeviceType.META));
            using var module = TorchVisionArchitecture.All[architecture].Create(1000);
            ours = module.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
            Assert.Equal(DeviceType.META, module.parameters().First().device_type);
        }
        finally
        {
            set_default_device(previous);
        }
        var expected = s_torchvision[architecture];
        Assert.Equal(626, expected.Count);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected) Assert.True(shape.SequenceEqual(ours[key]), $"{key}: [{string.Join(", ", ours[key])}] instead of [{string.Join(", ", shape)}]");
        // 23 blocks in layer3 (the ResNet50 layout has 6).
        Assert.Contains("layer3.22.conv3.weight", ours.Keys);
    }
}
