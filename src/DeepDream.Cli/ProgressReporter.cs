using System.Globalization;
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
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

    private readonly TextWriter _writer;
    private readonly ProgressMode _mode;
    private readonly LiveLine _line;
    private readonly Lock _lock = new();
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private int _currentOctave;
    private TimeSpan _octaveStart;
    private TimeSpan _previousElapsed;

    /// <param name="writer">stderr.</param>
    /// <param name="mode">How to show progress.</param>
    public ProgressReporter(TextWriter writer, ProgressMode mode)
    {
        _writer = writer;
        _mode = mode;
        _line = new LiveLine(writer);
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
            var interval = _mode == ProgressMode.Bar ? LiveLine.Interval : LineInterval;
            if (!octaveDone && _lastDraw != TimeSpan.MinValue && value.Elapsed - _lastDraw < interval) return;
            _lastDraw = value.Elapsed;
            if (_mode == ProgressMode.Bar)
            {
                _line.Draw(FormatBar(value));
            }
            else
            {
                _writer.WriteLine(FormatLine(value));
                _writer.Flush();
            }
        }
    }

    /// <summary>Ends the bar's line (so later messages start on a fresh line).</summary>
    public void Finish()
    {
        lock (_lock) _line.End();
    }

    public string FormatBar(DreamProgress p) => LiveLine.Bar(p.Fraction).Append(Describe(p, p.Fraction)).ToString();

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
