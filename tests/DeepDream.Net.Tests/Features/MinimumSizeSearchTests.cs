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
}
