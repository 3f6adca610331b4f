using System.Globalization;
using System.Text;
using DeepDream.Sequences;

namespace DeepDream.Cli;

/// <summary>
/// Frame-level progress of a sequence on stderr: on a terminal a live bar (frame, step, seconds per frame, ETA), else one
/// line per finished frame. The ETA is the mean time of this run's frames times the frames left.
/// </summary>
internal sealed class SequenceProgressReporter : IProgress<SequenceProgress>
{
    private readonly TextWriter _writer;
    private readonly LiveLine _line;
    private readonly ProgressMode _mode;
    private readonly int? _total;
    private readonly int _firstFrame;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private TimeSpan _lastDraw = TimeSpan.MinValue;
    private int _framesThisRun;
    private double _secondsThisRun;

    /// <param name="writer">stderr.</param>
    /// <param name="mode">How to show progress.</param>
    /// <param name="total">Frames in the sequence, when known.</param>
    /// <param name="firstFrame">The first frame this run makes (earlier ones were made by an earlier run).</param>
    public SequenceProgressReporter(TextWriter writer, ProgressMode mode, int? total, int firstFrame)
    {
        _writer = writer;
        _line = new LiveLine(writer);
        _mode = mode;
        _total = total;
        _firstFrame = firstFrame;
    }

    public void Report(SequenceProgress value)
    {
        if (_mode != ProgressMode.Bar) return;
        lock (_lock)
        {
            var now = _clock.Elapsed;
            if (_lastDraw != TimeSpan.MinValue && now - _lastDraw < LiveLine.Interval) return;
            _lastDraw = now;
            var done = value.Frame - _firstFrame + value.Step.Fraction;
            _line.Draw(FormatBar(value.Frame, done, $"step {value.Step.CompletedSteps}/{value.Step.TotalSteps}"));
        }
    }

    /// <summary>Records a finished frame (and prints its line when not drawing a bar).</summary>
    public void FrameDone(SequenceFrame frame, double seconds)
    {
        lock (_lock)
        {
            _framesThisRun++;
            _secondsThisRun += seconds;
            if (_mode != ProgressMode.Lines) return;
            _writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"frame {frame.Index + 1}{(_total is { } t ? "/" + t : "")} done in {seconds:0.0} s  ETA {Eta() ?? "?"}"));
            _writer.Flush();
        }
    }

    /// <summary>Ends the bar's line.</summary>
    public void Finish()
    {
        lock (_lock) _line.End();
    }

    private string FormatBar(int frame, double framesDoneThisRun, string step)
    {
        StringBuilder sb;
        if (_total is { } total)
        {
            var fraction = Math.Clamp((_firstFrame + framesDoneThisRun) / total, 0, 1);
            sb = LiveLine.Bar(fraction).Append(CultureInfo.InvariantCulture, $"{fraction * 100,3:0}%  frame {frame + 1}/{total}");
        }
        else
        {
            sb = new StringBuilder().Append(CultureInfo.InvariantCulture, $"frame {frame + 1}");
        }
        sb.Append("  ").Append(step);
        if (_framesThisRun > 0) sb.Append(CultureInfo.InvariantCulture, $"  {_secondsThisRun / _framesThisRun:0.0} s/frame");
        sb.Append("  ETA ").Append(Eta() ?? "?");
        return sb.ToString();
    }

    private string? Eta()
    {
        if (_total is not { } total || _framesThisRun == 0) return null;
        var left = total - (_firstFrame + _framesThisRun);
        return ProgressReporter.FormatTime(TimeSpan.FromSeconds(Math.Max(0, left) * _secondsThisRun / _framesThisRun));
    }
}
