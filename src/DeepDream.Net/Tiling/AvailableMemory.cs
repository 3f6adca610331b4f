using System.Globalization;

namespace DeepDream.Tiling;

/// <summary>
/// How much memory the process can still take: Linux's <c>MemAvailable</c> (free memory plus the page cache it can
/// reclaim), lowered to what a cgroup v2 memory limit leaves (containers). <see langword="null"/> where neither can be
/// read (other systems), and callers fall back to a fixed budget. Read when asked, never cached: the dream loop asks once
/// per octave (a read of /proc/meminfo costs tens of microseconds).
/// </summary>
internal static class AvailableMemory
{
    private const string MemInfo = "/proc/meminfo";
    private const string CgroupMax = "/sys/fs/cgroup/memory.max";
    private const string CgroupCurrent = "/sys/fs/cgroup/memory.current";

    /// <summary>The available bytes now, or null when the system does not say.</summary>
    public static long? Read()
    {
        long? available = null;
        try
        {
            if (File.Exists(MemInfo))
            {
                foreach (var line in File.ReadLines(MemInfo))
                {
                    // "MemAvailable:   21474836 kB"
                    if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) available = kb * 1024;
                    break;
                }
            }
            if (ReadNumber(CgroupMax) is { } max && ReadNumber(CgroupCurrent) is { } current)
            {
                var left = Math.Max(0, max - current);
                available = available is { } a ? Math.Min(a, left) : left;
            }
        }
        catch (IOException)
        {
            return available;
        }
        catch (UnauthorizedAccessException)
        {
            return available;
        }
        return available;
    }

    /// <summary>A file holding one number (cgroup files); null when absent or not a number (<c>max</c>: no limit).</summary>
    private static long? ReadNumber(string path) =>
        File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
