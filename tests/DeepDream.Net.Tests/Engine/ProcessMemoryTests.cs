using System.Diagnostics;
using DeepDream.Tests.TestSupport;

namespace DeepDream.Tests.Engine;

/// <summary>Process-wide measurements: run alone, after the parallel tests, so other tests' allocations do not count.</summary>
[CollectionDefinition(nameof(ProcessMemoryCollection), DisableParallelization = true)]
public sealed class ProcessMemoryCollection;

[Collection(nameof(ProcessMemoryCollection))]
public sealed class ProcessMemoryTests(SharedResNet18 resnet) : IClassFixture<SharedResNet18>
{
    [Fact]
    public void ResNet18_FiftyRuns_KeepLiveTensorsAndProcessMemoryFlat()
    {
        using var dreamer = new DreamBuilder().UseModel(resnet.Model, ownsModel: false).Octaves(2).Steps(1).Seed(2).Build();
        using var input = TestImages.LoadSmall("chelsea.png", 64);
        for (var i = 0; i < 10; i++) dreamer.Run(input).Dispose();
        var tensors = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var memory = ResidentBytes();
        for (var i = 0; i < 50; i++) dreamer.Run(input).Dispose();
        Assert.Equal(tensors, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        // A leak of even one 64×43 float image per run would add 50 × 33 KB; allocator noise stays well below 64 MB.
        var growth = ResidentBytes() - memory;
        Assert.True(growth < 64L << 20, $"resident memory grew by {growth / 1e6:F1} MB over 50 runs");
    }

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

}
