namespace DeepDream.Schedules;

/// <summary>
/// Which image sizes a dream visits. The dream starts at the first size with the input resized to it, and at each next
/// size carries over the detail it added (resized); the output has the last size, which must be the input's. Set one
/// with <see cref="DreamBuilder.UseSchedule"/>; the default is <see cref="OctaveSchedule"/>.
/// </summary>
/// <remarks>Implementations must be immutable and thread-safe: a dreamer asks for sizes at the start of every run.</remarks>
public interface IOctaveSchedule
{
    /// <summary>The sizes to dream at, in the order they are processed (usually smallest first); the last one is <paramref name="input"/>.</summary>
    /// <param name="input">The input image's size.</param>
    /// <param name="minimumSize">The model's minimum side for the objective's layers: no size may be smaller on either side.</param>
    /// <returns>At least one size, ending with <paramref name="input"/>.</returns>
    /// <exception cref="ImageTooSmallException">The input itself is below <paramref name="minimumSize"/>.</exception>
    IReadOnlyList<OctaveSize> Sizes(OctaveSize input, int minimumSize);
}
