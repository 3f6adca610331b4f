using DeepDream.Features;

namespace DeepDream.Tests.Features;

public sealed class MinimumSizeSearchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(37)]
    [InlineData(224)]
    [InlineData(4096)]
    public void Find_ReturnsTheSmallestComputableSize_WithFewProbes(int minimum)
    {
        var probes = 0;
        var found = MinimumSizeSearch.Find(size => { probes++; return size >= minimum; });
        Assert.Equal(minimum, found);
        Assert.True(probes <= 2 * 13 + 1, $"{probes} probes"); // doubling to 4096 plus bisection
    }

    [Fact]
    public void Find_NothingComputes_ReturnsNull()
    {
        Assert.Null(MinimumSizeSearch.Find(_ => false));
    }

    [Fact]
    public void Find_NeverProbesAboveTheLimit_AndTriesTheLimitItself()
    {
        var tried = new List<int>();
        Assert.Null(MinimumSizeSearch.Find(size => { tried.Add(size); return false; }, maxSize: 300));
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 300], tried);
        Assert.Equal(300, MinimumSizeSearch.Find(size => size >= 300, maxSize: 300));
    }

    [Theory]
    [InlineData(1L << 20, 64, 1448)]   // 1 MB at 64² → 512 MB at 64·√512 ≈ 1448
    [InlineData(8L << 20, 64, 512)]    // 8 MB at 64² → 512 MB at 512²
    [InlineData(16L << 10, 64, 4096)]  // tiny activations: capped at the largest size ever tried
    [InlineData(1L << 40, 64, 1)]      // a terabyte at 64²: still tries 1×1
    public void AffordableSize_ScalesTheMeasuredPeakWithThePixelCount(long peakBytes, int measuredSide, int expected)
    {
        Assert.Equal(expected, MinimumSizeSearch.AffordableSize(peakBytes, measuredSide));
    }
}
