using System.Globalization;

namespace DeepDream.Diagnostics;

/// <summary>Counts in messages, so that one thing never reads "1 frames".</summary>
internal static class Wording
{
    /// <summary><c>1 frame</c>, <c>2 frames</c>: <paramref name="count"/> and <paramref name="noun"/>, with an s unless the count is 1.</summary>
    /// <param name="count">How many.</param>
    /// <param name="noun">The singular noun, whose plural adds an s (frame, octave, step, layer, channel).</param>
    public static string Count(long count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");
}
