using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Tiling;

/// <summary>
/// The tile decision for each image size. A fixed tile size is used as it is. Otherwise the image is tiled only when
/// memory requires it: it stays whole when one forward and backward pass over it fits the memory budget, and is cut into
/// the largest square tiles that fit otherwise. The budget is the one set, or else half the memory available at that
/// moment (<see cref="AvailableMemory"/>), or <see cref="DreamSettings.DefaultTileMemoryBudget"/> where that is unknown.
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

    /// <summary>The smallest automatic tile side.</summary>
    public const int MinimumAutomaticSide = 256;

    /// <summary>The sizing of a dreamer's settings on a device (the available memory is known for the CPU only).</summary>
    public static TileSizing For(DreamSettings settings, Device device, int modelMinimum) =>
        new(settings.TileSize, settings.TileMemoryBudget, DreamSettings.BytesPerPixel(settings.Precision), 2 * modelMinimum,
            device.type == DeviceType.CPU ? AvailableMemory.ReadRecent : static () => null);

    /// <summary>A fixed tile side.</summary>
    public static TileSizing Fixed(int tileSize) => new(tileSize, null, DreamSettings.EstimatedBytesPerPixel, 0, static () => null);

    /// <summary>The budget now: the one set, or half the available memory, or the fixed default where that is unknown.</summary>
    public long Budget() =>
        budget ?? (availableMemory() is { } free ? Math.Max(MinimumBudget, (long)(free * AvailableShare)) : DreamSettings.DefaultTileMemoryBudget);

    /// <summary>The tile side for a <paramref name="height"/>×<paramref name="width"/> image: at least its longer side when it stays whole.</summary>
    public int SideFor(int height, int width)
    {
        if (tileSize is { } side) return side;
        var bytes = (long)height * width * bytesPerPixel;
        // Images that fit the smallest budget never need the memory figure.
        if (bytes <= MinimumBudget) return Math.Max(height, width);
        var now = Budget();
        return bytes <= now ? Math.Max(height, width) : LargestSide(now);
    }

    /// <summary>The largest tile side whose pass fits <paramref name="bytes"/>: √(bytes / bytes per pixel), a multiple of 32, at least the minimum side.</summary>
    public int LargestSide(long bytes) =>
        Math.Max(Math.Max(MinimumAutomaticSide, minimumSide), (int)Math.Sqrt((double)bytes / bytesPerPixel) / 32 * 32);

    /// <summary>The largest tile side: the fixed one, or the one the budget allows now.</summary>
    public int LargestSide() => tileSize ?? LargestSide(Budget());
}
