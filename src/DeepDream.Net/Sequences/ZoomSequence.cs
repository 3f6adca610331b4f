using System.Diagnostics;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences;

/// <summary>Settings of an infinite zoom.</summary>
public sealed record ZoomOptions
{
    /// <summary>Creates options for <paramref name="frames"/> frames with the default motion.</summary>
    /// <param name="frames">Frames to make, at least 1.</param>
    /// <param name="seed">The seed of frame 0; frame k uses seed + k.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frames"/> is below 1.</exception>
    public ZoomOptions(int frames, int seed)
    {
        Guard.Positive(frames, nameof(frames));
        Frames = frames;
        Seed = seed;
    }

    /// <summary>Frames in the sequence.</summary>
    public int Frames { get; }

    /// <summary>The seed of frame 0; frame k uses seed + k (wrapping around).</summary>
    public int Seed { get; }

    /// <summary>The motion between consecutive frames.</summary>
    public ZoomMotion Motion { get; init; } = new();

    /// <summary>
    /// The first frame to make (to resume a sequence): 0 starts from the start image; k &gt; 0 makes frames k.. from the
    /// start image taken as the dreamed frame k-1.
    /// </summary>
    public int StartFrame { get; init; }

    /// <summary>The seed of frame <paramref name="index"/>.</summary>
    /// <param name="index">0-based frame index.</param>
    /// <returns><see cref="Seed"/> + <paramref name="index"/>, wrapping around.</returns>
    public int SeedOf(int index) => unchecked(Seed + index);
}

/// <summary>
/// Infinite zoom, as in Google's original notebook: frame 0 = dream(start); frame k+1 = dream(motion(frame k)), where the
/// motion zooms into the centre (and optionally rotates and pans). Frames stream out as they are made; only the previous
/// frame is kept, so memory does not grow with the frame count.
/// </summary>
public static class ZoomSequence
{
    /// <summary>Makes the frames of a zoom, each handed out as soon as it is dreamed.</summary>
    /// <param name="dreamer">Dreams each frame (see <see cref="FrameDreamer.From(Dreamer)"/>).</param>
    /// <param name="start">The start image, or the dreamed frame <see cref="ZoomOptions.StartFrame"/> − 1 when resuming; not modified.</param>
    /// <param name="options">Frame count, seed, motion, start frame.</param>
    /// <param name="progress">Receives a report after every step of every frame.</param>
    /// <param name="cancellationToken">Stops within one dream step.</param>
    /// <returns>The frames <see cref="ZoomOptions.StartFrame"/> .. <see cref="ZoomOptions.Frames"/> − 1, in order.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The start frame is negative or not below the frame count.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static async IAsyncEnumerable<SequenceFrame> RunAsync(IFrameDreamer dreamer, Image<Rgb24> start, ZoomOptions options,
        IProgress<SequenceProgress>? progress = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dreamer);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(options);
        if (options.StartFrame < 0 || options.StartFrame >= options.Frames)
            throw new ArgumentOutOfRangeException(nameof(options), options.StartFrame, $"StartFrame must be in 0..{options.Frames - 1}.");

        Image<Rgb24>? previous = null; // the last dreamed frame, owned here
        try
        {
            for (var index = options.StartFrame; index < options.Frames; index++)
            {
                await Task.Yield(); // hand the caller's thread back between frames
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                var source = previous ?? start;
                using var input = index == 0 ? start.Clone() : options.Motion.Apply(source);
                var prepareTime = clock.Elapsed;
                clock.Restart();
                var seed = options.SeedOf(index);
                var dreamed = dreamer.DreamFrame(input, seed, FrameProgress.For(progress, index, options.Frames), cancellationToken);
                previous?.Dispose();
                previous = dreamed;
                yield return new SequenceFrame(index, dreamed, seed, TimeSpan.Zero, prepareTime, clock.Elapsed);
            }
        }
        finally
        {
            previous?.Dispose();
        }
    }
}
