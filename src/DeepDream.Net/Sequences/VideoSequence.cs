using System.Diagnostics;
using System.Runtime.CompilerServices;
using DeepDream.Sequences.Flow;
using DeepDream.Sequences.Media;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences;

/// <summary>Settings of a dreamed video.</summary>
public sealed record VideoOptions
{
    /// <summary>The default weight of the previous frame's carried detail.</summary>
    public const double DefaultBlend = 0.5;

    /// <summary>Creates options with the given seed.</summary>
    /// <param name="seed">The seed of every frame.</param>
    public VideoOptions(int seed) => Seed = seed;

    /// <summary>
    /// The seed of every frame. Unlike a zoom's frames (seed + k), a video's frames share it: the dream's random jitter then
    /// repeats from frame to frame, so the detail it adds changes less between frames (in our measurements the flicker the
    /// dream adds to a still shot is about 40 % lower than with seed + k).
    /// </summary>
    public int Seed { get; }

    /// <summary>
    /// The weight, 0..1, of the previous frame's dream detail added to the next frame before it is dreamed (see
    /// <see cref="TemporalBlend"/>); 0 dreams every frame on its own. Default 0.5.
    /// </summary>
    public double Blend { get; init; } = DefaultBlend;

    /// <summary>Carries the detail along the motion between frames; null carries it in place (identity warp).</summary>
    public IOpticalFlow? Flow { get; init; }

    /// <summary>The first frame to make (to resume): frames before it are read but not dreamed.</summary>
    public int StartFrame { get; init; }

    /// <summary>When resuming, the dreamed frame <see cref="StartFrame"/> − 1 (needed for the blend); not disposed.</summary>
    public Image<Rgb24>? PreviousDreamed { get; init; }
}

/// <summary>
/// Dreams a video frame by frame with temporal coherence: before frame k is dreamed, the detail the dream added to frame
/// k−1, warped along the optical flow, is blended in (<see cref="TemporalBlend"/>). Frames stream in from an
/// <see cref="IFrameSource"/> and out as they are made; only the previous source and dreamed frames are kept, and the next
/// source frame, which is read (and its optical flow measured) on a worker thread while the current one is dreamed.
/// </summary>
public static class VideoSequence
{
    /// <summary>Dreams the frames of <paramref name="source"/>, each handed out as soon as it is made.</summary>
    /// <param name="dreamer">Dreams each frame.</param>
    /// <param name="source">The frames.</param>
    /// <param name="options">Seed, blend, flow, start frame.</param>
    /// <param name="progress">Receives a report after every step of every frame.</param>
    /// <param name="cancellationToken">Stops within one dream step.</param>
    /// <returns>Frames <see cref="VideoOptions.StartFrame"/>.. of the source, in order.</returns>
    /// <exception cref="ArgumentException">Resuming (start frame above 0) without the previous dreamed frame while blending.</exception>
    /// <exception cref="FrameSourceException">A frame cannot be read.</exception>
    /// <exception cref="DependencyMissingException">The flow cannot run here (<see cref="IOpticalFlow.EnsureAvailable"/>); raised before any frame is dreamed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static async IAsyncEnumerable<SequenceFrame> RunAsync(IFrameDreamer dreamer, IFrameSource source, VideoOptions options,
        IProgress<SequenceProgress>? progress = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dreamer);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        Guard.NonNegative(options.StartFrame, nameof(options.StartFrame));
        Guard.Probability(options.Blend, nameof(options.Blend));
        var blending = options.Blend > 0;
        if (blending && options.StartFrame > 0 && options.PreviousDreamed is null)
            throw new ArgumentException("Resuming a blended video needs the previous dreamed frame (PreviousDreamed).", nameof(options));

        if (blending) options.Flow?.EnsureAvailable(); // a missing native library stops the run before any dreaming

        Image<Rgb24>? previousSource = null; // the source frame before the one being dreamed (when blending)
        Image<Rgb24>? previousDreamed = options.PreviousDreamed?.Clone();
        Image<Rgb24>? current = null;
        var reader = new FrameReadAhead(source, blending ? options.Flow : null, cancellationToken);
        try
        {
            reader.Start(previous: null);
            for (var index = 0; ; index++)
            {
                var clock = Stopwatch.StartNew();
                var next = reader.Take();
                if (next is null) break;
                current = next.Value.Frame;
                var readTime = clock.Elapsed;
                // This frame is the previous one of a dreamed frame: the next frame's flow is measured against it.
                var keep = blending && index >= options.StartFrame - 1;
                reader.Start(keep ? current : null); // decoded, with its flow, while this frame is dreamed
                if (index < options.StartFrame)
                {
                    if (keep) (previousSource, current) = (current, null);
                    else current.Dispose();
                    current = null;
                    continue;
                }
                await Task.Yield();
                cancellationToken.ThrowIfCancellationRequested();
                clock.Restart();
                var input = blending && previousSource is not null && previousDreamed is not null
                    ? TemporalBlend.Apply(current, previousSource, previousDreamed, next.Value.Flow, options.Blend)
                    : current.Clone();
                var prepareTime = clock.Elapsed;
                clock.Restart();
                Image<Rgb24> dreamed;
                using (input)
                {
                    dreamed = dreamer.DreamFrame(input, options.Seed, FrameProgress.For(progress, index, source.FrameCount), cancellationToken);
                }
                var dreamTime = clock.Elapsed;
                previousDreamed?.Dispose();
                previousDreamed = dreamed;
                previousSource?.Dispose();
                previousSource = keep ? current : null;
                if (!keep) current.Dispose();
                current = null;
                yield return new SequenceFrame(index, dreamed, options.Seed, readTime, prepareTime, dreamTime);
            }
        }
        finally
        {
            reader.Dispose(); // first: a read in progress may be measuring the flow against the current frame
            current?.Dispose();
            previousSource?.Dispose();
            previousDreamed?.Dispose();
        }
    }
}
