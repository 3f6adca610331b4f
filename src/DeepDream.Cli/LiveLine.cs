using System.Text;

namespace DeepDream.Cli;

/// <summary>
/// A status line redrawn in place on a terminal: each draw returns to the line's start and pads over the longer text
/// before it; <see cref="End"/> moves to a fresh line. The one drawing routine of the progress reporters (not thread-safe:
/// they draw under their own lock).
/// </summary>
internal sealed class LiveLine(TextWriter writer)
{
    /// <summary>Width of the <c>[####----]</c> bar in characters.</summary>
    public const int BarWidth = 24;

    /// <summary>How often a live line is redrawn at most.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private int _lastLength;
    private bool _visible;

    /// <summary>Replaces the line with <paramref name="text"/>.</summary>
    public void Draw(string text)
    {
        var pad = Math.Max(0, _lastLength - text.Length);
        writer.Write("\r" + text + new string(' ', pad));
        writer.Flush();
        _lastLength = text.Length;
        _visible = true;
    }

    /// <summary>Ends the line (so later messages start on a fresh one); nothing when nothing was drawn.</summary>
    public void End()
    {
        if (!_visible) return;
        writer.WriteLine();
        writer.Flush();
        _visible = false;
        _lastLength = 0;
    }

    /// <summary>A bar for <paramref name="fraction"/> (0..1) followed by a space: <c>[######------------------] </c>.</summary>
    public static StringBuilder Bar(double fraction)
    {
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * BarWidth);
        return new StringBuilder().Append('[').Append('#', filled).Append('-', BarWidth - filled).Append("] ");
    }
}
