using DeepDream.Features;
using DeepDream.Tests.Models.Onnx;

namespace DeepDream.Tests.Engine;

/// <summary>The minimum-size probe's peak memory, measured process-wide (run alone, like the other memory tests).</summary>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class ProbeMemoryTests
{
    [Fact]
    public void SizeProbe_OfALayerThatNeverComputes_StaysFarBelowTwoGigabytes()
    {
        // Before the budget, this probe doubled to 4096²: 512 channels × 4096² × 4 bytes = 34 GB for one activation.
        using var model = DreamModels.FromOnnx(OnnxSizeProbeTests.NeverComputingWideModel(), Preprocessing.Raw);
        var baseline = StatusKilobytes("VmRSS");
        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM, the peak resident size, to the current size
        Assert.Throws<ModelLoadException>(() => model.GetMinimumInputSize(["y"]));
        var peak = StatusKilobytes("VmHWM") - baseline;
        Assert.True(peak < 1536 * 1024, $"the probe's peak resident memory grew by {peak / 1024} MB");
        Assert.True(peak > 256 * 1024, $"only {peak / 1024} MB: the probe no longer reaches its budget, so this test measures nothing");
    }

    private static long StatusKilobytes(string key)
    {
        var line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(':', StringSplitOptions.TrimEntries)[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
