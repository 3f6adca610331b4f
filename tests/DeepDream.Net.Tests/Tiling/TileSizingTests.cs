using DeepDream.Tiling;

namespace DeepDream.Tests.Tiling;

/// <summary>
/// The automatic tile decision with an injected memory figure: a 1920×1080 octave stays whole where half the available
/// memory holds its pass, and is cut into the largest tiles that fit where it does not; a set tile size or budget wins.
/// </summary>
public sealed class TileSizingTests
{
    private const long GiB = 1L << 30;

    private static TileSizing Automatic(long? available, Precision precision = Precision.Float32, long? budget = null, int minimumSide = 0) =>
        new(null, budget, DreamSettings.BytesPerPixel(precision), minimumSide, () => available);

    /// <summary>The side with the budget read now, as a new octave would take it.</summary>
    private static int SideNow(TileSizing sizing, int height, int width) => sizing.SideFor(height, width, sizing.Budget());

    [Fact]
    public void FullHd_StaysWhole_WhenHalfTheAvailableMemoryHoldsItsPass()
    {
        // 1920·1080 px × 1024 B = 1.98 GiB ≤ 21 GiB / 2.
        var sizing = Automatic(21 * GiB);
        Assert.Equal(1920, sizing.SideFor(1080, 1920, sizing.Budget()));
        Assert.True(TilePlan.Create(1080, 1920, sizing.SideFor(1080, 1920, sizing.Budget())).IsSingleTile);
    }

    [Fact]
    public void FullHd_IsTiled_WhenMemoryIsShort_WithTheLargestTileThatFits()
    {
        // 3 GiB available: a 1.5 GiB budget holds √(1.5 GiB / 1024 B) = 1254 → 1248 px tiles.
        var sizing = Automatic(3 * GiB);
        Assert.Equal(1536L << 20, sizing.Budget());
        Assert.Equal(1248, sizing.SideFor(1080, 1920, sizing.Budget()));
        var plan = TilePlan.Create(1080, 1920, 1248);
        Assert.Equal((1, 2), (plan.Rows.Count, plan.Columns.Count));
    }

    [Fact]
    public void BFloat16_NeedsLessMemory_SoTheSameFigureKeepsFullHdWhole()
    {
        // 1920·1080 × 640 B = 1.24 GiB fits the 1.5 GiB budget that float32's 1.98 GiB does not.
        Assert.Equal(1920, SideNow(Automatic(3 * GiB, Precision.BFloat16), 1080, 1920));
        Assert.Equal(1248, SideNow(Automatic(3 * GiB, Precision.Float32), 1080, 1920));
    }

    [Fact]
    public void TheBudget_FollowsTheMemoryFigure_EachTimeItIsRead_AndTheSideOnlyTheBudgetPassed()
    {
        long available = 21 * GiB;
        var reads = 0;
        var sizing = new TileSizing(null, null, DreamSettings.EstimatedBytesPerPixel, 0, () => { reads++; return available; });
        var before = sizing.Budget();
        Assert.Equal(1920, sizing.SideFor(1080, 1920, before));
        available = GiB; // other programs took the memory: 512 MiB budget, √(512 MiB / 1024 B) = 724 → 704 px
        Assert.Equal(1920, sizing.SideFor(1080, 1920, before)); // a budget read earlier still decides alike
        Assert.Equal(1, reads); // SideFor never reads the memory itself
        Assert.Equal(704, sizing.SideFor(1080, 1920, sizing.Budget()));
        Assert.Equal(2, reads);
    }

    [Fact]
    public void VeryLittleMemory_KeepsTheSmallestBudgetAndTile()
    {
        var sizing = Automatic(10L << 20, minimumSide: 300);
        Assert.Equal(TileSizing.MinimumBudget, sizing.Budget());
        // √(64 MiB / 1024 B) = 256, raised to the model's two minimum sizes.
        Assert.Equal(300, sizing.SideFor(1080, 1920, sizing.Budget()));
    }

    [Fact]
    public void UnknownMemory_UsesTheFixedDefaultBudget()
    {
        var sizing = Automatic(available: null);
        Assert.Equal(DreamSettings.DefaultTileMemoryBudget, sizing.Budget());
        Assert.Equal(1024, sizing.SideFor(1080, 1920, sizing.Budget())); // √(1 GiB / 1024 B)
    }

    [Fact]
    public void ASetBudgetOrTileSize_NeverReadsTheMemoryFigure()
    {
        static long? Unreadable() => throw new InvalidOperationException("the memory figure was read");
        var automatic = new TileSizing(null, null, DreamSettings.EstimatedBytesPerPixel, 0, Unreadable);
        Assert.Equal(250, automatic.SideFor(200, 250, TileSizing.MinimumBudget)); // 50 kpx × 1024 B fits the smallest budget

        var budget = new TileSizing(null, GiB, DreamSettings.EstimatedBytesPerPixel, 0, Unreadable);
        Assert.Equal(GiB, budget.Budget());
        Assert.Equal(1024, SideNow(budget, 1080, 1920));
        Assert.Equal(900, SideNow(budget, 900, 800)); // 720 kpx × 1024 B ≤ 1 GiB: whole

        var fixedSide = new TileSizing(512, null, DreamSettings.EstimatedBytesPerPixel, 0, Unreadable);
        Assert.Equal(512, SideNow(fixedSide, 1080, 1920));
        Assert.Equal(512, SideNow(fixedSide, 300, 451));
        Assert.Equal(512, fixedSide.LargestSide(fixedSide.Budget()));
    }

    [Fact]
    public void Settings_WithoutABudget_FollowTheMachine_AndASetBudgetIsKept()
    {
        Assert.Null(new DreamSettings().TileMemoryBudget);
        Assert.Equal(2L << 30, new DreamSettings { TileMemoryBudget = 2L << 30 }.TileMemoryBudget);
        Assert.Equal(1440, new DreamSettings { TileMemoryBudget = 2L << 30 }.ResolveTileSize()); // √(2 GiB / 1024 B) = 1448 → 1440
        Assert.Equal(700, new DreamSettings { TileSize = 700, TileMemoryBudget = 2L << 30 }.ResolveTileSize());
        Assert.Equal(700, new DreamSettings { TileSize = 700 }.ResolveTileSize());
        var automatic = new DreamSettings().ResolveTileSize(); // the machine's memory now: some multiple of 32, at least 256
        Assert.True(automatic >= TileSizing.MinimumAutomaticSide && automatic % 32 == 0, $"{automatic}");
    }

    [Fact]
    public void AvailableMemory_IsKnownOnLinux_AndBelowThePhysicalMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        var available = AvailableMemory.Read();
        Assert.NotNull(available);
        Assert.InRange(available!.Value, 1L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
    }
}
