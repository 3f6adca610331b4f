using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using DeepDream.Sequences;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Cli;

/// <summary>
/// Feeds a GIF or video sink on a background thread while the next frame is dreamed: GIF quantisation and the pipe into
/// ffmpeg (which encodes in its own process) overlap with dreaming instead of following it. At most two frames wait in
/// the queue; a frame is copied when queued, since a sequence reuses its frames. The frame folder stays the record of
/// the run: a killed run loses only this unfinished file (written under a temporary name), and the rerun feeds the
/// frames already made from the folder.
/// </summary>
internal sealed class SequenceOutput : IDisposable
{
    private readonly IFrameSink _sink;
    private readonly BlockingCollection<Image<Rgb24>> _queue = new(boundedCapacity: 2);
    private readonly Task _writer;
    private Exception? _failure;
    private bool _completed;

    public SequenceOutput(IFrameSink sink)
    {
        _sink = sink;
        _writer = Task.Factory.StartNew(Write, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Seconds the caller waited: for room in the queue, and for the encoder to finish.</summary>
    public double WaitSeconds { get; private set; }

    /// <summary>Seconds the background thread spent writing frames into the sink (overlapped with dreaming).</summary>
    public double WriterSeconds { get; private set; }

    /// <summary>Queues a copy of <paramref name="frame"/>; waits while two frames are queued.</summary>
    /// <exception cref="FrameSinkException">The sink failed on an earlier frame.</exception>
    public void Add(Image<Rgb24> frame)
    {
        ThrowIfFailed();
        var copy = frame.Clone();
        var clock = Stopwatch.StartNew();
        try
        {
            _queue.Add(copy);
        }
        catch (InvalidOperationException)
        {
            copy.Dispose(); // the writer stopped after a failure
            ThrowIfFailed();
            throw;
        }
        WaitSeconds += clock.Elapsed.TotalSeconds;
    }

    /// <summary>Waits for the queued frames to be written and finishes the file (renamed into place).</summary>
    /// <exception cref="FrameSinkException">The sink failed.</exception>
    public void Complete()
    {
        var clock = Stopwatch.StartNew();
        _queue.CompleteAdding();
        _writer.GetAwaiter().GetResult();
        ThrowIfFailed();
        _sink.Complete();
        _completed = true;
        WaitSeconds += clock.Elapsed.TotalSeconds;
    }

    /// <summary>Stops the writer; an unfinished file is discarded.</summary>
    public void Dispose()
    {
        if (!_queue.IsAddingCompleted)
        {
            while (_queue.TryTake(out var pending)) pending.Dispose();
            _queue.CompleteAdding();
        }
        _writer.ContinueWith(_ => { }, TaskScheduler.Default).Wait();
        if (!_completed) _sink.Dispose();
        _queue.Dispose();
    }

    private void Write()
    {
        try
        {
            foreach (var frame in _queue.GetConsumingEnumerable())
            {
                using (frame)
                {
                    var clock = Stopwatch.StartNew();
                    _sink.Write(frame);
                    WriterSeconds += clock.Elapsed.TotalSeconds;
                }
            }
        }
        catch (Exception e)
        {
            // Raised again on the caller's thread (ThrowIfFailed); the caller's next Add fails instead of waiting.
            _failure = e;
            _queue.CompleteAdding();
            while (_queue.TryTake(out var pending)) pending.Dispose();
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is FrameSinkException sink) throw new FrameSinkException(sink.Message, sink);
        if (_failure is not null) ExceptionDispatchInfo.Capture(_failure).Throw();
    }
}
