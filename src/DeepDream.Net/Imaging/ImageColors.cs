using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Imaging;

/// <summary>Colour operations on dreamed images.</summary>
public static class ImageColors
{
    /// <summary>
    /// Keeps the original's colours (neural-dream's <c>-original_colors</c>): the result takes its brightness from
    /// <paramref name="dreamed"/> and its chroma from <paramref name="original"/>, so the dream shows as light and shade on
    /// the photo's own colours. Per pixel, in full-range BT.601 YCbCr (JPEG's): <c>Y</c> of the dream, <c>Cb</c> and
    /// <c>Cr</c> of the original, converted back to RGB and rounded to the nearest byte (clamped to 0–255).
    /// </summary>
    /// <param name="dreamed">The dreamed image.</param>
    /// <param name="original">The image whose colours to keep, the same size.</param>
    /// <returns>A new image the caller owns.</returns>
    /// <exception cref="ArgumentNullException">An image is null.</exception>
    /// <exception cref="ArgumentException">The images differ in size.</exception>
    public static Image<Rgb24> KeepOriginalColors(Image<Rgb24> dreamed, Image<Rgb24> original)
    {
        ArgumentNullException.ThrowIfNull(dreamed);
        ArgumentNullException.ThrowIfNull(original);
        if (dreamed.Size() != original.Size())
        {
            throw new ArgumentException(
                $"The images must be the same size: the dream is {dreamed.Width}×{dreamed.Height}, the original {original.Width}×{original.Height}.", nameof(original));
        }
        var result = new Image<Rgb24>(dreamed.Width, dreamed.Height);
        dreamed.ProcessPixelRows(original, result, (light, colour, output) =>
        {
            for (var y = 0; y < output.Height; y++)
            {
                var l = light.GetRowSpan(y);
                var c = colour.GetRowSpan(y);
                var o = output.GetRowSpan(y);
                for (var x = 0; x < o.Length; x++) o[x] = Combine(l[x], c[x]);
            }
        });
        return result;
    }

    /// <summary>Luma of <paramref name="light"/> with the chroma of <paramref name="colour"/>.</summary>
    internal static Rgb24 Combine(Rgb24 light, Rgb24 colour)
    {
        var luma = 0.299 * light.R + 0.587 * light.G + 0.114 * light.B;
        var cb = -0.168736 * colour.R - 0.331264 * colour.G + 0.5 * colour.B;
        var cr = 0.5 * colour.R - 0.418688 * colour.G - 0.081312 * colour.B;
        return new Rgb24(ToByte(luma + 1.402 * cr), ToByte(luma - 0.344136 * cb - 0.714136 * cr), ToByte(luma + 1.772 * cb));
    }

    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Round(v, MidpointRounding.ToEven), 0, 255);
}
