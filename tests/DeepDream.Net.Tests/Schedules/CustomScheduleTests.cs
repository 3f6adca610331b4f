using DeepDream.Schedules;
using DeepDream.Tests.TestSupport;

namespace DeepDream.Tests.Schedules;

/// <summary>Pluggable octave schedules through <see cref="DreamBuilder.UseSchedule"/>.</summary>
public sealed class CustomScheduleTests
{
    /// <summary>Given sizes as fractions of the input, smallest first.</summary>
    private sealed class FractionSchedule(params double[] fractions) : IOctaveSchedule
    {
        public IReadOnlyList<OctaveSize> Sizes(OctaveSize input, int minimumSize) =>
            [.. fractions.Select(f => new OctaveSize((int)(input.Width * f), (int)(input.Height * f)))];
    }

    [Fact]
    public void UseSchedule_TheDreamVisitsExactlyItsSizes()
    {
        using var model = new TinyExtractor();
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Steps(1).Seed(3)
            .UseSchedule(new FractionSchedule(0.25, 0.5, 0.5, 1)).Build();
        Assert.Equal([new(10, 8), new(20, 16), new(20, 16), new(40, 32)], dreamer.OctaveSizes(40, 32));
        using var input = TestImages.Noise(40, 32);
        using var result = dreamer.Dream(input);
        Assert.Equal([new(10, 8), new(20, 16), new(20, 16), new(40, 32)], result.Octaves.Select(o => o.Size));
        Assert.Equal((40, 32), (result.Image.Width, result.Image.Height));
    }

    [Fact]
    public void DefaultSchedule_IsTheOctaveScheduleOfTheSettings()
    {
        using var model = new TinyExtractor();
        using var viaSettings = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Octaves(3).OctaveScale(2).Steps(2).Seed(4).Build();
        using var viaSchedule = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").Steps(2).Seed(4)
            .UseSchedule(new OctaveSchedule(3, 2)).Build();
        using var input = TestImages.Noise(24, 20);
        using var a = viaSettings.Run(input);
        using var b = viaSchedule.Run(input);
        Assert.Equal(TestImages.Bytes(a), TestImages.Bytes(b));
    }

    [Fact]
    public void ScheduleThatDoesNotEndAtTheInput_OrGoesBelowTheMinimum_IsRefusedClearly()
    {
        using var model = new TinyExtractor();
        using var input = TestImages.Noise(40, 32);
        using var shortOfInput = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").UseSchedule(new FractionSchedule(0.5)).Build();
        var e = Assert.Throws<InvalidOperationException>(() => shortOfInput.Run(input));
        Assert.Equal("The octave schedule FractionSchedule must return at least one size and end with the input's size 40×32; it returned [20×16].", e.Message);

        using var tooSmall = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv2").UseSchedule(new FractionSchedule(0.01, 1)).Build();
        e = Assert.Throws<InvalidOperationException>(() => tooSmall.Run(input));
        Assert.Contains("returned the size 0×0, below the model's minimum of 2×2", e.Message);
        Assert.Throws<ArgumentNullException>(() => new DreamBuilder().UseSchedule(null!));
    }
}
