using DeepDream.Tests.Cli;
using DeepDream.Tests.TestSupport;
using DeepDream.Tiling;

namespace DeepDream.Tests.Tiling;

/// <summary>The library and the CLI accept the same tile sides, 64 to 8192, and no budget makes an automatic tile larger.</summary>
public sealed class TileBoundsTests
{
    [Theory]
    [InlineData(63)]
    [InlineData(8193)]
    [InlineData(100000)]
    public void TileSize_OutsideTheCliRange_IsRefusedByTheBuilder(int pixels)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new DreamBuilder().TileSize(pixels));
        Assert.Equal("pixels", error.ParamName);
        Assert.StartsWith("The tile size must be between 64 and 8192 pixels.", error.Message);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(8192)]
    public void TileSize_AtTheEndsOfTheRange_IsKept(int pixels)
    {
        using var model = new TinyExtractor();
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv1").TileSize(pixels).Build();
        Assert.Equal(pixels, dreamer.Settings.TileSize);
        Assert.Equal(pixels, dreamer.Settings.ResolveTileSize());
    }

    [Fact]
    public void TheLargestBudget_ResolvesTo8192()
    {
        using var model = new TinyExtractor();
        using var dreamer = new DreamBuilder().UseModel(model, ownsModel: false).Layer("conv1").TileMemoryBudget(long.MaxValue).Build();
        Assert.Equal(8192, dreamer.Settings.ResolveTileSize()); // √(2⁶³ / 1024) would be 94,906,240
        Assert.Equal(8192, new DreamSettings { TileMemoryBudget = 64L << 30 }.ResolveTileSize()); // exactly 8192² × 1 KB
        Assert.Equal(8160, new DreamSettings { TileMemoryBudget = (64L << 30) - 1 }.ResolveTileSize());
    }

    [Theory]
    [InlineData("63")]
    [InlineData("8193")]
    public async Task Cli_KeepsItsOwnMessage_ForTheSameBounds(string size)
    {
        using var cli = new CliHarness();
        var input = cli.WriteNoise("in.png", 48, 32);
        var result = await cli.RunTiny("dream", input, "-o", cli.PathOf("out.png"), "--tile-size", size, "--layer", "conv1");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: --tile-size must be between {TileSizing.MinimumSide} and {TileSizing.MaximumSide} pixels (a tile needs about 1 KB of memory per pixel), got {size}.",
            result.Stderr.TrimEnd());
        Assert.Equal((64, 8192), (TileSizing.MinimumSide, TileSizing.MaximumSide));
    }
}
