namespace DeepDream.Features;

/// <summary>
/// Finds the smallest square input a layer can be computed for (doubling, then bisection), within a memory budget: the
/// probe never tries a side whose activations would exceed <see cref="ProbeMemoryBudget"/>, estimated from a measurement
/// at <see cref="MeasureSize"/> (activation memory grows with the pixel count).
/// </summary>
internal static class MinimumSizeSearch
{
    /// <summary>Largest side ever tried.</summary>
    public const int MaxSize = 4096;

    /// <summary>Bytes of activations one probe may hold at a time.</summary>
    public const long ProbeMemoryBudget = 512L << 20;

    /// <summary>The side at which a probe's peak activation memory is measured.</summary>
    public const int MeasureSize = 64;

    /// <summary>
    /// The largest side (at most <see cref="MaxSize"/>, at least 1) whose activations fit <paramref name="budget"/>, given
    /// <paramref name="peakBytes"/> measured at side <paramref name="measuredSide"/>.
    /// </summary>
    public static int AffordableSize(long peakBytes, int measuredSide = MeasureSize, long budget = ProbeMemoryBudget)
    {
        if (peakBytes <= 0) return MaxSize;
        var side = measuredSide * Math.Sqrt((double)budget / peakBytes);
        return (int)Math.Clamp(Math.Floor(side), 1, MaxSize);
    }

    /// <summary>The smallest size in [1, <paramref name="maxSize"/>] for which <paramref name="computes"/> holds, or null if none does.</summary>
    /// <param name="computes">Whether the layer computes for a square input of this side (assumed monotonic in the side).</param>
    /// <param name="maxSize">The largest side to try.</param>
    public static int? Find(Func<int, bool> computes, int maxSize = MaxSize)
    {
        var low = 0; // largest size known to fail (0: none tried)
        var high = 1;
        while (!computes(high))
        {
            low = high;
            if (high == maxSize) return null;
            high = Math.Min(high * 2, maxSize);
        }
        while (high - low > 1)
        {
            var mid = low + (high - low) / 2;
            if (computes(mid)) high = mid;
            else low = mid;
        }
        return high;
    }

    /// <summary>Words for the limit a search stopped at, for messages.</summary>
    public static string Limit(int maxSize) => maxSize < MaxSize
        ? $"{maxSize} pixels (the largest size whose activations fit the probe's {ProbeMemoryBudget >> 20} MB budget)"
        : $"{maxSize} pixels";
}
