using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Flow;

/// <summary>Dense optical flow between two frames of a video.</summary>
public interface IOpticalFlow
{
    /// <summary>A short name for reports and job manifests, such as <c>farneback</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Checks that the flow can run here (its native libraries load), so a missing dependency is found before any frame
    /// is dreamed; <see cref="VideoSequence"/> calls it before the first frame.
    /// </summary>
    /// <exception cref="DependencyMissingException">It cannot run; the message names what is missing and how to install it.</exception>
    void EnsureAvailable();

    /// <summary>
    /// For every pixel of <paramref name="current"/>, the displacement to where its content was in
    /// <paramref name="previous"/>: current(x, y) ≈ previous(x + dx, y + dy).
    /// </summary>
    /// <param name="current">Frame k.</param>
    /// <param name="previous">Frame k − 1, the same size.</param>
    /// <returns>A field the size of the frames.</returns>
    /// <exception cref="ArgumentException">The frames differ in size.</exception>
    FlowField Estimate(Image<Rgb24> current, Image<Rgb24> previous);
}
