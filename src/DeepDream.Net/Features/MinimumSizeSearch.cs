namespace DeepDream.Features;

/// <summary>Finds the smallest square input a layer can be computed for: doubling, then bisection.</summary>
internal static class MinimumSizeSearch
{
    /// <summary>Largest side tried before giving up.</summary>
    public const int MaxSize = 4096;

    /// <summary>The smallest size in [1, <see cref="MaxSize"/>] for which <paramref name="computes"/> holds, or null if none does.</summary>
    /// <param name="computes">Whether the layer computes for a square input of this side (assumed monotonic in the side).</param>
    public static int? Find(Func<int, bool> computes)
    {
        var low = 0; // largest size known to fail (0: none tried)
        var high = 1;
        while (!computes(high))
        {
            low = high;
            high *= 2;
            if (high > MaxSize) return null;
        }
        while (high - low > 1)
        {
            var mid = low + (high - low) / 2;
            if (computes(mid)) high = mid;
            else low = mid;
        }
        return high;
    }
}
