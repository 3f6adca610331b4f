using System.Globalization;
using System.Text;
using DeepDream.Diagnostics;

namespace DeepDream.Cli;

/// <summary>How progress is shown on stderr.</summary>
internal enum ProgressMode
{
    /// <summary>Nothing (<c>--quiet</c>).</summary>
    None,

    /// <summary>Plain lines, one per octave and at most every two seconds (stderr redirected).</summary>
    Lines,

    /// <summary>A live single-line bar redrawn with carriage returns (stderr is a terminal).</summary>
    Bar,
}

/// <summary>
/// Shows dream progress on stderr. The percentage and ETA come from the reports themselves
/// (<see cref="DreamProgress.Fraction"/> weighs each step by its octave's pixel count; <see cref="DreamProgress.Remaining"/>).
/// </summary>
internal sealed class ProgressReporter : IProgress<DreamProgress>
{
    private const int BarWidth = 24;
    private static readonly TimeSpan BarInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

    private readonly TextWriter _writer;
    private readonly ProgressMode _mode;
    private readonly Lock _lock = new();
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private int _currentOctave;
    private TimeSpan _octaveStart;
    private TimeSpan _previousElapsed;
    private int _lastLength;
    private bool _barVisible;

    /// <param name="writer">stderr.</param>
    /// <param name="mode">How to show progress.</param>
    public ProgressReporter(TextWriter writer, ProgressMode mode)
    {
        _writer = writer;
        _mode = mode;
    }

    public void Report(DreamProgress value)
    {
        if (_mode == ProgressMode.None) return;
        lock (_lock)
        {
            if (value.Octave != _currentOctave)
            {
                _octaveStart = _currentOctave == 0 ? TimeSpan.Zero : _previousElapsed;
                _currentOctave = value.Octave;
            }
            _previousElapsed = value.Elapsed;
            var octaveDone = value.Step == value.StepsPerOctave;
            var interval = _mode == ProgressMode.Bar ? BarInterval : LineInterval;
            if (!octaveDone && _lastDraw != TimeSpan.MinValue && value.Elapsed - _lastDraw < interval) return;
            _lastDraw = value.Elapsed;
            if (_mode == ProgressMode.Bar)
            {
                var text = FormatBar(value);
                var pad = Math.Max(0, _lastLength - text.Length);
                _writer.Write("\r" + text + new string(' ', pad));
                _lastLength = text.Length;
                _barVisible = true;
            }
            else
            {
                _writer.WriteLine(FormatLine(value));
            }
            _writer.Flush();
        }
    }

    /// <summary>Ends the bar's line (so later messages start on a fresh line).</summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (!_barVisible) return;
            _writer.WriteLine();
            _writer.Flush();
            _barVisible = false;
        }
    }

    public string FormatBar(DreamProgress p)
    {
        var fraction = p.Fraction;
        var filled = (int)Math.Round(fraction * BarWidth);
        var sb = new StringBuilder();
        sb.Append('[').Append('#', filled).Append('-', BarWidth - filled).Append("] ");
        sb.Append(Describe(p, fraction));
        return sb.ToString();
    }

    public string FormatLine(DreamProgress p) => Describe(p, p.Fraction);

    private string Describe(DreamProgress p, double fraction)
    {
        var octaveSeconds = (p.Elapsed - _octaveStart).TotalSeconds;
        var rate = octaveSeconds > 0 ? p.Step / octaveSeconds : 0;
        var eta = p.Remaining;
        return string.Create(CultureInfo.InvariantCulture,
            $"{fraction * 100,3:0}%  octave {p.Octave}/{p.OctaveCount} ({p.Width}x{p.Height})  step {p.Step}/{p.StepsPerOctave}  {rate:0.0} steps/s  elapsed {FormatTime(p.Elapsed)}  ETA {(eta is { } e ? FormatTime(e) : "?")}");
    }

    internal static string FormatTime(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");
}
