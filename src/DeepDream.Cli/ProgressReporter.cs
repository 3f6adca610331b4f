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
/// Shows dream progress on stderr. The ETA weighs each remaining step by its octave's pixel count, since later octaves
/// are larger and slower. Timing comes from the reports themselves (<see cref="DreamProgress.Elapsed"/>).
/// </summary>
internal sealed class ProgressReporter : IProgress<DreamProgress>
{
    private const int BarWidth = 24;
    private static readonly TimeSpan BarInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(2);

    private readonly TextWriter _writer;
    private readonly ProgressMode _mode;
    private readonly double[] _octaveWork;
    private readonly Lock _lock = new();
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private int _currentOctave;
    private TimeSpan _octaveStart;
    private TimeSpan _previousElapsed;
    private int _lastLength;
    private bool _barVisible;

    /// <param name="writer">stderr.</param>
    /// <param name="mode">How to show progress.</param>
    /// <param name="octavePixels">Pixel count of each octave, smallest first (for the ETA).</param>
    public ProgressReporter(TextWriter writer, ProgressMode mode, IReadOnlyList<long> octavePixels)
    {
        _writer = writer;
        _mode = mode;
        var total = Math.Max(1.0, octavePixels.Sum(p => (double)p));
        _octaveWork = octavePixels.Select(p => p / total).ToArray();
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

    /// <summary>The fraction of the run's work done, steps weighted by their octave's pixel count.</summary>
    public double WorkFraction(DreamProgress p)
    {
        if (_octaveWork.Length != p.OctaveCount) return p.Fraction;
        var done = 0.0;
        for (var i = 0; i < p.Octave - 1; i++) done += _octaveWork[i];
        done += _octaveWork[p.Octave - 1] * p.Step / p.StepsPerOctave;
        return Math.Clamp(done, 0, 1);
    }

    /// <summary>Remaining time, from the time so far and the weighted fraction done; null before any work is measured.</summary>
    public TimeSpan? Eta(DreamProgress p)
    {
        var fraction = WorkFraction(p);
        if (fraction <= 0 || p.Elapsed <= TimeSpan.Zero) return null;
        return TimeSpan.FromSeconds(p.Elapsed.TotalSeconds * (1 - fraction) / fraction);
    }

    public string FormatBar(DreamProgress p)
    {
        var fraction = WorkFraction(p);
        var filled = (int)Math.Round(fraction * BarWidth);
        var sb = new StringBuilder();
        sb.Append('[').Append('#', filled).Append('-', BarWidth - filled).Append("] ");
        sb.Append(Describe(p, fraction));
        return sb.ToString();
    }

    public string FormatLine(DreamProgress p) => Describe(p, WorkFraction(p));

    private string Describe(DreamProgress p, double fraction)
    {
        var octaveSeconds = (p.Elapsed - _octaveStart).TotalSeconds;
        var rate = octaveSeconds > 0 ? p.Step / octaveSeconds : 0;
        var eta = Eta(p);
        return string.Create(CultureInfo.InvariantCulture,
            $"{fraction * 100,3:0}%  octave {p.Octave}/{p.OctaveCount} ({p.Width}x{p.Height})  step {p.Step}/{p.StepsPerOctave}  {rate:0.0} steps/s  elapsed {FormatTime(p.Elapsed)}  ETA {(eta is { } e ? FormatTime(e) : "?")}");
    }

    internal static string FormatTime(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");
}
