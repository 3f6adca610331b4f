using DeepDream.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tests.Schedules;

public sealed class OctaveScheduleTests
{
    [Fact]
    public void Sizes_ForTheReferenceWorkload_ChainRoundedSizes()
    {
        // chelsea.png is 451×300; each size is round(previous / 1.4).
        var sizes = new OctaveSchedule(6, 1.4).Sizes(new OctaveSize(451, 300));
        Assert.Equal(
            [new(84, 56), new(117, 78), new(164, 109), new(230, 153), new(322, 214), new(451, 300)],
            sizes);
        Assert.Equal((84, 56), (sizes[0].Width, sizes[0].Height)); // width first, as everywhere
        Assert.Equal("84×56", sizes[0].ToString());
    }

    [Fact]
    public void Sizes_OddAndEven_RoundHalfToEven()
    {
        // Scale 2: 7/2 = 3.5 → 4 (even), 5/2 = 2.5 → 2 (even), 4/2 = 2 → 1.
        var schedule = new OctaveSchedule(3, 2);
        Assert.Equal([new(1, 2), new(2, 4), new(5, 7)], schedule.Sizes(new OctaveSize(5, 7)));
    }

    [Fact]
    public void Sizes_StopAtTheMinimum_AndRefuseTooSmallInputs()
    {
        var schedule = new OctaveSchedule(6, 1.4);
        var sizes = schedule.Sizes(new OctaveSize(120, 100), minimumSize: 50);
        Assert.Equal([new(61, 51), new(86, 71), new(120, 100)], sizes);

        var error = Assert.Throws<ImageTooSmallException>(() => schedule.Sizes(new OctaveSize(120, 40), minimumSize: 50));
        Assert.Contains("120×40", error.Message);
        Assert.Contains("50×50", error.Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(100_000_000)]
    public void HugeCount_StopsWhereShrinkingNoLongerChangesTheSize(int count)
    {
        // 1×1 shrinks to 1×1: the pyramid ends there instead of repeating it count times (or preallocating count sizes).
        var schedule = new OctaveSchedule(count, 1.4);
        Assert.Equal([new OctaveSize(1, 1)], schedule.Sizes(new OctaveSize(1, 1)));
        var sizes = schedule.Sizes(new OctaveSize(451, 300));
        Assert.Equal(new OctaveSize(1, 1), sizes[0]);
        Assert.Equal(new OctaveSize(451, 300), sizes[^1]);
        Assert.Equal(sizes.Count, sizes.Distinct().Count());
        Assert.InRange(sizes.Count, 15, 20);
    }

    [Fact]
    public void HugeCount_EndsAtTheModelMinimum()
    {
        var sizes = new OctaveSchedule(int.MaxValue, 2.0).Sizes(new OctaveSize(1000, 1000), minimumSize: 100);
        Assert.Equal([125, 250, 500, 1000], sizes.Select(s => s.Width));
    }

    [Fact]
    public void ScaleTooCloseToOneToShrinkASize_StopsThere()
    {
        // 10 / 1.01 rounds back to 10.
        Assert.Equal([new OctaveSize(10, 10)], new OctaveSchedule(50, 1.01).Sizes(new OctaveSize(10, 10)));
    }

    [Theory]
    [InlineData(0, 1.4, "count")]
    [InlineData(3, 1.0, "scale")]
    [InlineData(3, double.NaN, "scale")]
    public void InvalidSettings_AreRejected(int count, double scale, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new OctaveSchedule(count, scale));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void MeanGradientStep_HasMeanAbsoluteValueEqualToTheStepSize()
    {
        using var scope = NewDisposeScope();
        var gradient = tensor(new float[] { 1, -3, 0, 4 });
        var update = new MeanGradientStepRule(0.01).Update(gradient);
        Assert.Equal(new float[] { 0.01f * 1 / 2, 0.01f * -3 / 2, 0, 0.01f * 4 / 2 }, update.data<float>().ToArray());
        Assert.Equal(0.01f, update.abs().mean().item<float>(), 6);
    }

    [Fact]
    public void MeanGradientStep_ZeroGradient_GivesZeroUpdate()
    {
        using var scope = NewDisposeScope();
        var update = new MeanGradientStepRule().Update(zeros(5));
        Assert.Equal(new float[5], update.data<float>().ToArray());
    }
}
