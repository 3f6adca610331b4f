using DeepDream.Features;
using DeepDream.Tests.Cli;
using DeepDream.Objectives;
using DeepDream.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Engine;

/// <summary>
/// Settings that overflow float32 or multiply work: a clear error instead of a black image, a pyramid that ends, and a
/// cancel that takes effect between tiles.
/// </summary>
public sealed class HostileSettingsTests : IDisposable
{
    private readonly TinyExtractor _model = new(seed: 5);

    public void Dispose() => _model.Dispose();

    [Theory]
    [InlineData(1e39)]
    [InlineData(-1e300)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    public void Weight_BeyondFloat32_IsRefusedWhenTheObjectiveIsMade(double weight)
    {
        var e = Assert.Throws<ArgumentException>(() => weight * Objective.L2("conv1"));
        Assert.Contains("not a finite float32 number", e.Message);
    }

    [Fact]
    public void Weights_WhoseProductOverflowsFloat32_AreRefused()
    {
        var inner = 1e30 * Objective.L2("conv1");
        Assert.Throws<ArgumentException>(() => 1e30 * inner);
    }

    [Fact]
    public void GradientOverflowingFloat32_IsAnErrorNotABlackImage()
    {
        // 3e38 is a valid float32 weight, but weight × activation overflows: the step becomes NaN and, clamped, black.
        using var dreamer = new DreamBuilder().UseModel(_model, ownsModel: false)
            .UseObjective(3e38 * Objective.L2("conv1")).Octaves(2).Steps(2).Jitter(0).Seed(1).Build();
        using var input = TestImages.Noise(24, 20);
        var e = Assert.Throws<DeepDreamException>(() => dreamer.Run(input));
        Assert.Contains("NaN or infinite", e.Message);
        Assert.Contains("octave 1", e.Message);
        Assert.EndsWith("Use smaller weights or check the preprocessing mean/std.", e.Message);
        Assert.DoesNotContain("bfloat16", e.Message);
    }

    [Theory]
    [InlineData(float.PositiveInfinity, 1f)]   // --mean 1e39 parses to +∞ in float32
    [InlineData(0.5f, 1e-45f)]                  // --std 1e-45: 1/std overflows
    [InlineData(1e30f, 1e-10f)]                 // mean/std overflows
    public void Preprocessing_OverflowingFloat32_IsRefused(float mean, float std)
    {
        Assert.Throws<ArgumentException>(() => new Preprocessing([mean, mean, mean], [std, std, std]));
    }

    [Fact]
    public void HugeOctaveCount_RunsTheOctavesThatExist()
    {
        using var dreamer = new DreamBuilder().UseModel(_model, ownsModel: false).Layer("conv1")
            .Octaves(int.MaxValue).Steps(1).Jitter(0).Seed(1).Build();
        using var input = TestImages.Noise(6, 4);
        // 6×4 → 4×3 → 3×2 → 2×1 → 1×1, and 1×1 does not shrink further.
        Assert.Equal(5, dreamer.OctaveSizes(6, 4).Count);
        using var result = dreamer.Dream(input);
        Assert.Equal(5, result.Octaves.Count);
    }

    [Fact]
    public void Cancellation_TakesEffectBetweenTiles()
    {
        using var cts = new CancellationTokenSource();
        using var counting = new CancellingExtractor(cts, cancelAfterCalls: 2);
        using var dreamer = new DreamBuilder().UseModel(counting, ownsModel: false).Layer("conv1")
            .Octaves(1).Steps(3).Jitter(0).Seed(1).TileSize(64).Build();
        using var input = TestImages.Noise(256, 256); // 16 or more tiles per step
        Assert.Throws<OperationCanceledException>(() => dreamer.Run(input, cancellationToken: cts.Token));
        // Cancelled during the second tile of the first step: no third tile is computed.
        Assert.Equal(2, counting.Calls);
    }
}
