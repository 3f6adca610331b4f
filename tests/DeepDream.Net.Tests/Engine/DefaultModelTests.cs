using DeepDream.Models;
using DeepDream.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Engine;

/// <summary>The default model: one shared copy per process and device, safe to use from many dreamers and threads.</summary>
public sealed class DefaultModelTests
{
    [Fact]
    public void BuildersWithoutAModel_ShareOneLoadedCopy()
    {
        using var first = new DreamBuilder().Octaves(1).Steps(1).Seed(1).Build();
        var loads = SharedDefaultModel.LoadCount;
        using var second = new DreamBuilder().Octaves(1).Steps(1).Seed(1).Build();
        using var third = new DreamBuilder().Layer("layer2").Build();
        Assert.Same(first.Model, second.Model);
        Assert.Same(first.Model, third.Model);
        Assert.Equal(loads, SharedDefaultModel.LoadCount);
        Assert.True(loads >= 1);
    }

    [Fact]
    public void DisposingOneDreamer_OrTheModelItself_LeavesTheOthersWorking()
    {
        var first = new DreamBuilder().Octaves(1).Steps(1).Seed(1).Build();
        using var second = new DreamBuilder().Octaves(1).Steps(1).Seed(1).Build();
        first.Model.Dispose(); // a no-op on the shared model
        first.Dispose();
        using var image = TestImages.Noise(40, 32);
        using var output = second.Run(image);
        Assert.Equal((40, 32), (output.Width, output.Height));
        Assert.Equal("layer3", second.Model.DefaultLayer);
    }

    [Fact]
    public void ConcurrentBuilds_GetTheSameModel_AndDreamConcurrently()
    {
        var dreamers = new Dreamer[4];
        Parallel.For(0, dreamers.Length, i => dreamers[i] = new DreamBuilder().Octaves(1).Steps(2).Seed(5).Build());
        try
        {
            Assert.All(dreamers, d => Assert.Same(dreamers[0].Model, d.Model));
            using var image = TestImages.Noise(36, 36);
            var outputs = new byte[dreamers.Length][];
            Parallel.For(0, dreamers.Length, i =>
            {
                using var copy = image.Clone();
                using var output = dreamers[i].Run(copy);
                outputs[i] = TestImages.Bytes(output);
            });
            Assert.All(outputs, o => Assert.Equal(outputs[0], o)); // same seed, same model: identical results
        }
        finally
        {
            foreach (var d in dreamers) d?.Dispose();
        }
    }

    [Fact]
    public void Cuda_WithoutACudaBackend_NamesTheBackendPackages()
    {
        if (cuda.is_available()) return; // a CUDA machine: the request is valid there
        Assert.False(DreamDevices.IsCudaAvailable);
        var e = Assert.Throws<DeepDreamException>(() => new DreamBuilder().UseDevice("cuda"));
        Assert.Equal(
            "The device 'cuda' was requested but CUDA is not available: reference the TorchSharp-cuda-linux (Linux) or TorchSharp-cuda-windows (Windows) package instead of TorchSharp-cpu, check that an NVIDIA GPU and driver are visible, or use the CPU.",
            e.Message);
        Assert.Contains("TorchSharp-cuda-windows", Assert.Throws<DeepDreamException>(() => DreamDevices.Get("CUDA:1")).Message);
        Assert.Throws<ArgumentException>(() => DreamDevices.Get("gpu"));
        Assert.Equal(CPU, DreamDevices.Get(" CPU "));
    }
}
