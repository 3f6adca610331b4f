using DeepDream.Diagnostics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences;

/// <summary>
/// What a sequence needs of a dreamer: dream one frame with a given seed. <see cref="FrameDreamer.From(Dreamer)"/> adapts a
/// <see cref="Dreamer"/>; tests substitute their own (for example one that returns the frame unchanged).
/// </summary>
public interface IFrameDreamer
{
    /// <summary>Dreams one frame and returns a new image of the same size (owned by the caller).</summary>
    /// <param name="frame">The frame; not modified.</param>
    /// <param name="seed">The seed for this frame.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Stops the dream within one step.</param>
    /// <returns>The dreamed frame.</returns>
    /// <exception cref="OperationCanceledException">The dream was cancelled.</exception>
    Image<Rgb24> DreamFrame(Image<Rgb24> frame, int seed, IProgress<DreamProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>Adapters to <see cref="IFrameDreamer"/>.</summary>
public static class FrameDreamer
{
    /// <summary>A frame dreamer over <paramref name="dreamer"/> (which stays owned by the caller).</summary>
    /// <param name="dreamer">The dreamer.</param>
    /// <returns>The adapter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dreamer"/> is null.</exception>
    public static IFrameDreamer From(Dreamer dreamer)
    {
        ArgumentNullException.ThrowIfNull(dreamer);
        return new DreamerAdapter(dreamer);
    }

    private sealed class DreamerAdapter(Dreamer dreamer) : IFrameDreamer
    {
        public Image<Rgb24> DreamFrame(Image<Rgb24> frame, int seed, IProgress<DreamProgress>? progress, CancellationToken cancellationToken)
        {
            var result = dreamer.Dream(frame, new DreamRunOptions { Seed = seed, Progress = progress }, cancellationToken);
            return result.Image; // the result owns only its image, which now passes to the caller
        }
    }
}
