using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences;

/// <summary>
/// Reads a source's frames one ahead on a worker thread, each with its optical flow to the frame before it, so that
/// decoding and flow estimation overlap with dreaming the frame before (<see cref="VideoSequence"/>). One read is in
/// flight at a time: <see cref="Start"/> and <see cref="Take"/> alternate.
/// </summary>
internal sealed class FrameReadAhead : IDisposable
{
    private readonly IEnumerator<Image<Rgb24>> _frames;
    private readonly IOpticalFlow? _flow;
    private Task<(Image<Rgb24> Frame, FlowField? Flow)?>? _pending;

    public FrameReadAhead(IFrameSource source, IOpticalFlow? flow, CancellationToken cancellationToken)
    {
        _frames = source.ReadFrames(cancellationToken).GetEnumerator();
        _flow = flow;
    }

    /// <summary>Starts reading the next frame, and its flow to <paramref name="previous"/> (kept alive by the caller until <see cref="Take"/>).</summary>
    public void Start(Image<Rgb24>? previous) => _pending = Task.Run(() => Read(previous), CancellationToken.None);

    /// <summary>Waits for the frame started last (owned by the caller from now on); null at the end of the source.</summary>
    /// <exception cref="FrameSourceException">The frame cannot be read.</exception>
    public (Image<Rgb24> Frame, FlowField? Flow)? Take()
    {
        var pending = _pending ?? throw new InvalidOperationException("No read was started.");
        _pending = null;
        return pending.GetAwaiter().GetResult();
    }

    /// <summary>Waits for a read in flight (discarding its frame) and closes the source's reader.</summary>
    public void Dispose()
    {
        if (_pending is { } pending)
        {
            _pending = null;
            try
            {
                pending.GetAwaiter().GetResult()?.Frame.Dispose();
            }
            catch (Exception)
            {
                // The run already stopped (cancelled, or failed on an earlier frame); this read's error is not news.
            }
        }
        _frames.Dispose();
    }

    private (Image<Rgb24>, FlowField?)? Read(Image<Rgb24>? previous)
    {
        if (!_frames.MoveNext()) return null;
        var frame = _frames.Current;
        try
        {
            return (frame, previous is null || _flow is null ? null : _flow.Estimate(frame, previous));
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }
}
