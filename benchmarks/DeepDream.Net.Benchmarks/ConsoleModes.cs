using System.Diagnostics;
using System.Globalization;

namespace DeepDream.Benchmarks;

/// <summary>What the console modes (<c>profile</c>, <c>peak-memory</c>, <c>sequences</c>, <c>coherence</c>) share: options and timing.</summary>
internal static class ConsoleModes
{
    /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, or null.</summary>
    public static int? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The text after <paramref name="name"/> in <paramref name="args"/>, or null.</summary>
    public static string? Text(string[] args, string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    /// <summary>Median milliseconds of <paramref name="reps"/> runs of <paramref name="action"/>, after one warm-up run.</summary>
    public static double Median(int reps, Action action)
    {
        action();
        var times = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[reps / 2];
    }
}
