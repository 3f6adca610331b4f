using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences.Flow;

/// <summary>
/// Temporal coherence for video dreaming: the detail the dream added to frame k−1 (dreamed − original), carried along the
/// optical flow into frame k and added with weight <c>blend</c>, so the patterns move with the scene instead of
/// flickering: input[k] = frame[k] + blend · warp(dreamed[k−1] − frame[k−1]).
/// </summary>
public static class TemporalBlend
{
    /// <summary>Builds the dreamer's input for frame k.</summary>
    /// <param name="current">frame[k], the source frame.</param>
    /// <param name="previousSource">frame[k−1], the previous source frame.</param>
    /// <param name="previousDreamed">dreamed[k−1], the previous output.</param>
    /// <param name="flow">The flow from frame k to k−1 (see <see cref="IOpticalFlow.Estimate"/>), or null for no warp (identity).</param>
    /// <param name="blend">The weight of the carried detail, 0..1.</param>
    /// <returns>A new image (the sum rounded and clamped to 0..255).</returns>
    /// <exception cref="ArgumentException">The images or the flow differ in size.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blend"/> is outside 0..1.</exception>
    public static Image<Rgb24> Apply(Image<Rgb24> current, Image<Rgb24> previousSource, Image<Rgb24> previousDreamed, FlowField? flow, double blend)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previousSource);
        ArgumentNullException.ThrowIfNull(previousDreamed);
        Guard.Probability(blend, nameof(blend));
        int width = current.Width, height = current.Height;
        foreach (var other in new[] { previousSource, previousDreamed })
        {
            if (other.Width != width || other.Height != height)
                throw new ArgumentException($"The frames differ in size: {width}x{height} and {other.Width}x{other.Height}.", nameof(current));
        }
        if (flow is not null && (flow.Width != width || flow.Height != height))
            throw new ArgumentException($"The flow is {flow.Width}x{flow.Height} but the frames are {width}x{height}.", nameof(flow));

        var detail = RgbBuffer.Difference(previousDreamed, previousSource);
        var frame = RgbBuffer.BytesOf(current);
        var output = new byte[frame.Length];
        var field = flow?.Data;
        Parallel.For(0, height, y =>
        {
            Span<double> rgb = stackalloc double[3];
            for (var x = 0; x < width; x++)
            {
                var p = (y * width + x) * 3;
                if (field is null)
                {
                    for (var c = 0; c < 3; c++) output[p + c] = RgbBuffer.ToByte(frame[p + c] + blend * detail.Data[p + c]);
                    continue;
                }
                var f = (y * width + x) * 2;
                detail.Sample(x + field[f], y + field[f + 1], rgb);
                for (var c = 0; c < 3; c++) output[p + c] = RgbBuffer.ToByte(frame[p + c] + blend * rgb[c]);
            }
        });
        return Image.LoadPixelData<Rgb24>(output, width, height);
    }
}
