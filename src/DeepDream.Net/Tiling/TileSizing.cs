using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tiling;

/// <summary>
/// The tile decision for each image size. A fixed tile size is used as it is. Otherwise the image is tiled only when
/// memory requires it: it stays whole when one forward and backward pass over it fits the memory budget, and is cut into
/// the largest square tiles that fit otherwise. The budget is the one set, or else half the memory available when
/// <see cref="Budget"/> reads it (<see cref="AvailableMemory"/>), or <see cref="DreamSettings.DefaultTileMemoryBudget"/>
/// where that is unknown. The dream loop reads the budget once per octave and decides every step with that figure, so
/// the steps of one octave are tiled alike however the machine's memory moves meanwhile.
/// </summary>
/// <param name="tileSize">The fixed tile side, or null for automatic.</param>
/// <param name="budget">The fixed memory budget in bytes, or null to follow the available memory.</param>
/// <param name="bytesPerPixel">Estimated bytes one input pixel costs in a forward and backward pass.</param>
/// <param name="minimumSide">The smallest automatic tile side (the model needs about two minimum sizes per tile).</param>
/// <param name="availableMemory">Reads the available memory (null: unknown); injected by tests.</param>
internal sealed class TileSizing(int? tileSize, long? budget, long bytesPerPixel, int minimumSide, Func<long?> availableMemory)
{
    /// <summary>The share of the available memory one pass may use: half, leaving the rest to the process and other programs.</summary>
    public const double AvailableShare = 0.5;

    /// <summary>The smallest budget: 64 MiB (also the least <see cref="DreamBuilder.TileMemoryBudget"/> accepts).</summary>
    public const long MinimumBudget = 64L << 20;

    /// <summary>The smallest tile side one can set (<see cref="DreamBuilder.TileSize"/>, the CLI's <c>--tile-size</c>).</summary>
    public const int MinimumSide = 64;

    /// <summary>
    /// The largest tile side, set or automatic: an 8192² pass already needs tens of GB (about 1 KB per pixel), and
    /// larger tiles would only come from budgets no machine has.
    /// </summary>
    public const int MaximumSide = 8192;

    /// <summary>The smallest automatic tile side.</summary>
    public const int MinimumAutomaticSide = 256;

    /// <summary>The sizing of a dreamer's settings on a device (the available memory is known for the CPU only).</summary>
    public static TileSizing For(DreamSettings settings, Device device, int modelMinimum) =>
        new(settings.TileSize, settings.TileMemoryBudget, DreamSettings.BytesPerPixel(settings.Precision), 2 * modelMinimum,
            device.type == DeviceType.CPU ? AvailableMemory.Read : static () => null);

    /// <summary>A fixed tile side.</summary>
    public static TileSizing Fixed(int tileSize) => new(tileSize, null, DreamSettings.EstimatedBytesPerPixel, 0, static () => null);

    /// <summary>
    /// The budget now, at least <see cref="MinimumBudget"/>: the one set, or half the available memory read at this call,
    /// or the fixed default where that is unknown. A fixed tile side needs no budget and never reads the memory.
    /// </summary>
    public long Budget()
    {
        if (budget is { } set) return set;
        if (tileSize is not null) return DreamSettings.DefaultTileMemoryBudget;
        return availableMemory() is { } free ? Math.Max(MinimumBudget, (long)(free * AvailableShare)) : DreamSettings.DefaultTileMemoryBudget;
    }

    /// <summary>
    /// The tile side for a <paramref name="height"/>×<paramref name="width"/> image under a <see cref="Budget"/> read
    /// earlier: at least its longer side when it stays whole. The same arguments always give the same side.
    /// </summary>
    public int SideFor(int height, int width, long budget)
    {
        if (tileSize is { } side) return side;
        var bytes = (long)height * width * bytesPerPixel;
        return bytes <= budget ? Math.Max(height, width) : LargestSide(budget);
    }

    /// <summary>
    /// The largest tile side under <paramref name="budget"/>: the fixed one, or the largest whose pass fits the budget,
    /// √(budget / bytes per pixel) rounded down to a multiple of 32, at least the minimum side and at most <see cref="MaximumSide"/>.
    /// </summary>
    public int LargestSide(long budget) =>
        tileSize ?? Math.Max(Math.Max(MinimumAutomaticSide, minimumSide), (int)Math.Min(MaximumSide, Math.Sqrt((double)budget / bytesPerPixel)) / 32 * 32);
}
